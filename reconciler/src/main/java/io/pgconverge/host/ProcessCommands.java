package io.pgconverge.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real {@link Commands}: runs a command as an argv list (never through a shell) with {@link
 * ProcessBuilder}, with a bounded wait. Touches the world as much as the command does. On timeout
 * the command's whole process tree is killed.
 */
public final class ProcessCommands implements Commands {
  /** Commands started with {@link #runCancellable} or {@link #track}ed that are still running. */
  private final Set<Process> cancellable = ConcurrentHashMap.newKeySet();

  @Override
  public CommandResult run(List<String> argv, Map<String, String> env, Duration timeout) {
    return run(argv, env, timeout, false);
  }

  @Override
  public CommandResult runCancellable(List<String> argv, Duration timeout) {
    return run(argv, Map.of(), timeout, true);
  }

  /** Descendants are taken before the parent dies, so a child that would be re-parented is killed too. */
  @Override
  public int cancelAll() {
    int n = 0;
    for (Process p : List.copyOf(cancellable)) {
      List<ProcessHandle> tree = p.descendants().toList();
      p.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      n++;
    }
    return n;
  }

  @Override
  public void track(Process p) {
    cancellable.add(p);
  }

  @Override
  public void forget(Process p) {
    cancellable.remove(p);
  }

  private CommandResult run(List<String> argv, Map<String, String> env, Duration timeout, boolean cancel) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return new CommandResult(argv, 127, "", "cannot run " + argv.get(0) + ": " + e.getMessage(), false);
    }
    if (cancel) {
      cancellable.add(p);
    }
    try {
      return await(p, argv, timeout);
    } finally {
      cancellable.remove(p);
    }
  }

  private static CommandResult await(Process p, List<String> argv, Duration timeout) {
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    boolean finished;
    try {
      finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished = false;
    }
    if (!finished) {
      List<ProcessHandle> tree = p.descendants().toList();
      p.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return new CommandResult(argv, finished ? p.exitValue() : -1, out.join(), err.join(), !finished);
  }

  /**
   * Reads a stream to its end on a thread of its own: with more than two cores supplyAsync would
   * queue it on the common pool, behind callers that may be waiting there for this very process. A
   * kill closes the pipes, perhaps before the reader began; the read then ends with what had
   * arrived, and the caller gets its failed result, not an exception.
   */
  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              ByteArrayOutputStream got = new ByteArrayOutputStream();
              byte[] buf = new byte[8192];
              try (in) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                  got.write(buf, 0, n);
                }
              } catch (IOException closedByKill) {
                // destroyForcibly closes the pipes; what was read before it is the output
              }
              text.complete(got.toString(StandardCharsets.UTF_8));
            },
            "pgconverge-command-output");
    reader.setDaemon(true);
    reader.start();
    return text;
  }
}
