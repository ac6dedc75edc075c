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
 * Runs a subprocess to completion within a deadline.
 *
 * <p>Output goes to temporary files rather than pipes: a server started by the process under
 * test (for example through {@code pg_ctl} without {@code -l}) may inherit its stdout and keep
 * it open long after the process exits, and a pipe reader would then wait for the server to
 * stop. Environment variables starting with {@code PG} are removed so that a developer's
 * {@code PGHOST} or {@code PGPORT} cannot steer a test. On timeout or interrupt the process and
 * all its descendants are killed.
 */
public final class Processes {
  private Processes() {}

  /** Runs {@code command} with the inherited environment (minus PG*). */
  public static ProcessResult run(List<String> command, Duration timeout) {
    return run(command, Map.of(), timeout);
  }

  /** Runs {@code command} with {@code extraEnv} added to the inherited environment (minus PG*). */
  public static ProcessResult run(
      List<String> command, Map<String, String> extraEnv, Duration timeout) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("pgc-it-stdout-", ".txt");
      err = Files.createTempFile("pgc-it-stderr-", ".txt");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("PG"));
      builder.environment().putAll(extraEnv);
      long started = System.nanoTime();
      Process process = builder.start();
      boolean finished;
      try {
        finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        kill(process);
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while running " + String.join(" ", command), e);
      }
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      if (!finished) {
        kill(process);
      }
      ProcessResult result =
          new ProcessResult(
              command,
              finished ? process.exitValue() : -1,
              Files.readString(out, StandardCharsets.UTF_8),
              Files.readString(err, StandardCharsets.UTF_8),
              took);
      if (!finished) {
        throw new AssertionError(
            "timed out after " + timeout.toSeconds() + " s and killed\n" + result.describe());
      }
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + String.join(" ", command), e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
