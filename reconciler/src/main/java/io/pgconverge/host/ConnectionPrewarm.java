package io.pgconverge.host;

import io.pgconverge.pg.Pbkdf2Provider;
import io.pgconverge.pg.ScramSha256;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * The first connection's cold code, warmed on the second core while a {@code check}, an {@code
 * apply} or a daemon's start configures its logging and loads its desired state: pgjdbc's driver and
 * connection factory up to the socket (and {@code UnixSocketFactory}'s channel), and the SCRAM
 * hashing a role's password check runs in {@code pg.ScramSha256} (compiled by then), which
 * {@code pg.Pbkdf2Provider}, installed here first, also gives pgjdbc's SCRAM client. Measured on
 * a converged host: a whole-process {@code check} about 8 ms quicker (181 → 173 ms), its run's
 * {@code duration_ms} about 20 ms.
 *
 * <p>Touches nothing outside this JVM (in it, the JCE provider above): the connection it attempts is to a socket under {@code /proc/self}, where no
 * file can be made, so it fails at once with nothing sent; it writes no file and logs nothing;
 * what it computes is thrown away. {@link LocalServer#connect} waits for it to end first, so
 * pgjdbc's classes are never initialized by two threads at once. {@code cli.Main} starts it for
 * the commands it reads without picocli (check, apply, daemon); for any other command, or without
 * {@link #start}, there is nothing to wait for.
 */
public final class ConnectionPrewarm {
  /** Where the warming connection goes: a directory of procfs, where no socket file can exist. */
  static final Path NO_SOCKET_DIRECTORY = Path.of("/proc/self/pgconverge-prewarm");

  private static volatile Thread thread;

  private ConnectionPrewarm() {}

  /** Starts the warming thread (a daemon thread: it never holds the JVM's exit). Once per JVM. */
  public static synchronized void start() {
    if (thread != null) {
      return;
    }
    Thread t = new Thread(ConnectionPrewarm::warm, "pgconverge-prewarm");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Waits (at most 2 s) until the warming thread, if one was started, has ended. */
  public static void awaitDone() {
    Thread t = thread;
    if (t == null || t == Thread.currentThread()) {
      return;
    }
    try {
      t.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void warm() {
    try {
      Pbkdf2Provider.install(); // before any login: the SCRAM client's key derivation on code compiled below
      ScramSha256.verifier("pgconverge-prewarm", new byte[16], 512);
      try (var c = new LocalServer(NO_SOCKET_DIRECTORY, 1, "pgconverge").connectNow()) {
        // cannot happen: there is no socket there
      } catch (SQLException | RuntimeException expected) {
        // the socket does not exist: the cold path up to it is what was wanted
      }
    } catch (RuntimeException | LinkageError e) {
      // only warming: the run itself meets and reports whatever this met
    }
  }
}
