package io.pgconverge.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command as an argv list (never through a shell), with a bounded wait. Touches the world
 * as much as the command does. On timeout the command's whole process tree is killed.
 */
public final class Commands {
  /** Commands started with {@link #runCancellable} that are still running. */
  private static final Set<Process> CANCELLABLE = ConcurrentHashMap.newKeySet();

  private Commands() {}

  public static CommandResult run(List<String> argv, Duration timeout) {
    return run(argv, Map.of(), timeout);
  }

  public static CommandResult run(List<String> argv, Map<String, String> env, Duration timeout) {
    return run(argv, env, timeout, false);
  }

  /**
   * Runs a long command that may be stopped half-way ({@code initdb}, {@code pg_basebackup}):
   * {@link #cancelAll()} kills it with its whole process tree. Never use it for {@code pg_ctl
   * start}: the server is a child of pg_ctl while it starts, and must outlive a stopping daemon.
   */
  public static CommandResult runCancellable(List<String> argv, Duration timeout) {
    return run(argv, Map.of(), timeout, true);
  }

  /**
   * Kills every command started with {@link #runCancellable} that still runs, with all its
   * descendants (taken before the parent dies, so a child that would be re-parented is killed
   * too); returns how many commands were killed. The caller of each sees a failed result.
   */
  public static int cancelAll() {
    int n = 0;
    for (Process p : List.copyOf(CANCELLABLE)) {
      List<ProcessHandle> tree = p.descendants().toList();
      p.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      n++;
    }
    return n;
  }

  /**
   * Registers a long command started elsewhere (pg_basebackup, which needs its own process group
   * and output file) so that {@link #cancelAll()} stops it too; {@link #forget} when it ended.
   */
  public static void track(Process p) {
    CANCELLABLE.add(p);
  }

  public static void forget(Process p) {
    CANCELLABLE.remove(p);
  }

  private static CommandResult run(List<String> argv, Map<String, String> env, Duration timeout, boolean cancellable) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return new CommandResult(argv, 127, "", "cannot run " + argv.get(0) + ": " + e.getMessage(), false);
    }
    if (cancellable) {
      CANCELLABLE.add(p);
    }
    try {
      return await(p, argv, timeout);
    } finally {
      CANCELLABLE.remove(p);
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

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
