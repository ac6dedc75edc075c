package io.pgconverge.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A subprocess the test starts and leaves running while it does something else (for example an
 * {@code apply} to be killed half-way). Output goes to temporary files, as in {@link Processes}.
 * {@link #close()} kills it and all its descendants if it still runs and deletes the files.
 */
public final class BackgroundProcess implements AutoCloseable {
  private final List<String> command;
  private final Process process;
  private final Path out;
  private final Path err;
  private final long started = System.nanoTime();

  private BackgroundProcess(List<String> command, Process process, Path out, Path err) {
    this.command = List.copyOf(command);
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts {@code command} with the inherited environment minus PG*, plus {@code extraEnv}. */
  public static BackgroundProcess start(List<String> command, Map<String, String> extraEnv) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("pgc-it-bg-stdout-", ".txt");
      err = Files.createTempFile("pgc-it-bg-stderr-", ".txt");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("PG"));
      builder.environment().putAll(extraEnv);
      return new BackgroundProcess(command, builder.start(), out, err);
    } catch (IOException e) {
      deleteQuietly(out);
      deleteQuietly(err);
      throw new UncheckedIOException("could not start " + String.join(" ", command), e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** This process and every descendant it has now. */
  public List<ProcessHandle> tree() {
    List<ProcessHandle> all = new java.util.ArrayList<>();
    all.add(process.toHandle());
    process.descendants().forEach(all::add);
    return all;
  }

  /**
   * SIGKILLs this process and those of its descendants whose command line does not contain
   * {@code spare} (so a test can kill a reconciler's JVMs and leave its {@code pg_basebackup}
   * to be dealt with separately); waits until the process is gone.
   */
  public void killTreeExcept(String spare) {
    for (ProcessHandle h : tree()) {
      String cmd = ProcTable.read(h.pid()).map(ProcTable.Proc::commandLine).orElse("");
      if (!cmd.contains(spare)) {
        h.destroyForcibly();
      }
    }
    waitForExit(Duration.ofSeconds(10));
  }

  /** Waits up to {@code timeout}; true when it exited. */
  public boolean waitForExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** What it printed so far and its exit code (-1 while running). */
  public ProcessResult result() {
    try {
      return new ProcessResult(
          command,
          process.isAlive() ? -1 : process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8),
          Duration.ofNanos(System.nanoTime() - started));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      waitForExit(Duration.ofSeconds(10));
    }
    deleteQuietly(out);
    deleteQuietly(err);
  }

  private static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a leftover empty file in /tmp is not worth failing a test over
    }
  }
}
