package io.pgconverge.apply;

import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.observe.PostmasterProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.List;

/**
 * Starts and stops the server with pg_ctl through the command-runner port, bounded. pg_ctl
 * detaches the postmaster into its own session, so the server outlives the reconciler.
 */
public final class ServerControl {
  static final Duration WAIT = Duration.ofSeconds(90);

  private final Commands commands;

  public ServerControl(Commands commands) {
    this.commands = commands;
  }

  /** Starts the server and waits until it accepts connections; throws with its last log lines when it will not start. */
  public void start(Path bin, Path configDir, Path data, Path logFile) throws IOException {
    start(bin, configDir, data, logFile, List.of());
  }

  /**
   * As {@link #start(Path, Path, Path, Path)}, with {@code settings} ({@code name=value}, never a
   * secret: they are on the postmaster's command line) given to this start only ({@code pg_ctl -o
   * "-c name=value"}); the files on disk are not changed.
   *
   * <p>{@code pg_ctl start -w} looks at postmaster.pid ten times a second: a small server is ready
   * after about 45 ms and pg_ctl says so after 112 ms (measured). So pg_ctl runs on a thread of its
   * own and its result counts as before, but the start also ends as soon as postmaster.pid shows
   * what pg_ctl waits for ({@link PostmasterProbe#readySince}, with pg_ctl's own two seconds of
   * slack on the start time); pg_ctl then ends by itself at its next look.
   */
  public void start(Path bin, Path configDir, Path data, Path logFile, List<String> settings) throws IOException {
    Files.createDirectories(logFile.getParent());
    List<String> argv = new java.util.ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "start", "-D", configDir.toString(),
        "-l", logFile.toString(), "-w", "-t", "60", "-s"));
    if (!settings.isEmpty()) {
      argv.add("-o");
      argv.add(String.join(" ", settings.stream().map(s -> "-c " + s).toList()));
    }
    long notBefore = Instant.now().getEpochSecond() - 2;
    CompletableFuture<CommandResult> ctl = new CompletableFuture<>();
    Thread waiting = new Thread(() -> {
      try {
        ctl.complete(commands.run(argv, WAIT));
      } catch (RuntimeException e) {
        ctl.completeExceptionally(e);
      }
    }, "pgconverge-pg_ctl-start");
    waiting.setDaemon(true);
    waiting.start();
    while (true) {
      CommandResult r;
      try {
        r = ctl.get(5, TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillWaiting) {
        if (PostmasterProbe.readySince(data, notBefore)) {
          endPgCtlOf(data);
          return;
        }
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while the server starts");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new IOException(e.getCause());
      }
      if (!r.ok()) {
        throw new IOException("the server did not start: " + r.tail(3) + lastLogLines(logFile, 8));
      }
      return;
    }
  }

  /**
   * Ends the pg_ctl that started the server now ready, instead of letting it take its next look at
   * postmaster.pid (up to 100 ms later): that is all it has left to do, and the JVM of a one-shot
   * {@code apply} waits at its exit for the threads waiting on a child (HotSpot gives threads in
   * native code up to 300 ms), which kept every apply that started a server 40–50 ms longer.
   * Found as the parent of the postmaster that postmaster.pid names, and signalled only when that
   * parent is a child of this JVM; only pg_ctl gets the signal: the postmaster runs in a session
   * of its own and outlives it. Anything else (no such parent, someone else's) is let be; the
   * waiting thread then sees pg_ctl end by itself.
   */
  static void endPgCtlOf(Path data) {
    if (PostmasterProbe.read(data) instanceof PostmasterProbe.Alive alive && alive.pid() > 0) {
      ProcessHandle.of(alive.pid())
          .flatMap(ProcessHandle::parent)
          .filter(ctl -> ctl.parent().map(ProcessHandle.current()::equals).orElse(false))
          .filter(ctl -> ctl.info().command().map(c -> c.endsWith("/pg_ctl")).orElse(false))
          .ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** How long the server processes a killed postmaster left may take to notice and exit. */
  static final long LEFTOVERS_WAIT_S = 30;

  static final Duration LEFTOVERS_WAIT = Duration.ofSeconds(LEFTOVERS_WAIT_S);

  /**
   * Starts a server whose postmaster died without cleaning up (killed, the OOM killer). Its
   * backends notice and exit within moments, but until they have, they hold its shared memory and
   * the new postmaster refuses to start: wait for them, bounded ({@value #LEFTOVERS_WAIT_S} s; then
   * start anyway and let postgres say what holds it). pg_ctl and postgres deal with the stale
   * postmaster.pid themselves; crash recovery happens during the start (bounded by the same wait).
   * Returns the detail for the log: {@code server had crashed; started again ...}.
   */
  public String startAfterCrash(Path bin, Path configDir, Path data, Path logFile) throws IOException {
    long t0 = System.nanoTime();
    long deadline = t0 + LEFTOVERS_WAIT.toNanos();
    List<Long> left = PostmasterProbe.processesIn(data);
    int leftAtFirst = left.size();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the crashed server's processes to exit");
      }
      left = PostmasterProbe.processesIn(data);
    }
    io.pgconverge.host.TestCrashHook.at("crash-start:before-start");
    start(bin, configDir, data, logFile);
    return "server had crashed; started again (crash recovery done"
        + (leftAtFirst == 0 ? "" : "; waited " + (System.nanoTime() - t0) / 1_000_000 + " ms for " + leftAtFirst
            + " server process(es) of the killed postmaster to exit" + (left.isEmpty() ? "" : ", " + left.size() + " still there"))
        + ")";
  }

  /** Stops the server cleanly (fast shutdown: a checkpoint, connections closed). */
  public void stop(Path bin, Path configDir) throws IOException {
    CommandResult r =
        commands.run(
            List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", configDir.toString(), "-m", "fast", "-w", "-t", "60", "-s"),
            WAIT);
    if (!r.ok()) {
      throw new IOException("the server did not stop: " + r.tail(5));
    }
  }

  static String lastLogLines(Path logFile, int n) {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - n), lines.size());
      return tail.isEmpty() ? "" : "; the server's log " + logFile + " ends with:\n  " + String.join("\n  ", tail);
    } catch (IOException e) {
      return "";
    }
  }
}
