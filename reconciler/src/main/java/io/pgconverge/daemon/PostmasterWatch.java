package io.pgconverge.daemon;

import io.pgconverge.observe.PostmasterProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Between the daemon's scheduled runs, notices a postmaster that died: every {@link #EVERY} it
 * reads the first line of {@code PGDATA/postmaster.pid} and looks at {@code /proc/<pid>} ({@link
 * PostmasterProbe}; no SQL, no connection, a few system calls). A pid file whose PID is not a
 * postmaster of the data directory any more starts a run at once, once per dead PID; the run
 * starts the server again. A server stopped cleanly removes its pid file and starts no run here.
 */
final class PostmasterWatch implements AutoCloseable {
  /** How often the pid file is looked at: a dead postmaster is noticed within this, well under 2 s. */
  static final Duration EVERY = Duration.ofMillis(500);

  private final Consumer<String> onDeath;
  private volatile Path data;
  private volatile boolean closed;
  private long reported = -1;
  private Thread thread;

  /** @param onDeath called (on the watch's thread) with the reason, to start a run */
  PostmasterWatch(Consumer<String> onDeath) {
    this.onDeath = onDeath;
  }

  /** Watches this data directory from now on (the one whose lock the daemon holds). */
  void watch(Path data) {
    this.data = data;
  }

  void start() {
    thread = new Thread(this::loop, "pgconverge-postmaster-watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (!closed) {
      check();
      try {
        Thread.sleep(EVERY.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One look at the pid file; calls {@code onDeath} when it names a dead postmaster not reported yet. */
  void check() {
    Path d = data;
    if (d == null) {
      return;
    }
    if (PostmasterProbe.read(d) instanceof PostmasterProbe.Stale stale && stale.pid() != reported) {
      reported = stale.pid();
      onDeath.accept("the postmaster died (" + stale.why() + ")");
    }
  }

  @Override
  public void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
    }
  }
}
