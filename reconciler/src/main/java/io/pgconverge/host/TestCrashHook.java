package io.pgconverge.host;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST ONLY: a fault-injection hook for the crash tests, never set in production. With the
 * environment variable {@code PGCONVERGE_TEST_CRASH_AT=<point>[#n]} (read once, when this class is
 * loaded), the n-th time (default the first) the JVM reaches the named point it kills itself with
 * SIGKILL at once — no shutdown hook, no finally block, children (initdb, pg_basebackup) left
 * running — exactly what {@code kill -9} or the OOM killer do. It prints one line to stderr first,
 * {@code pgconverge: TEST crash hook: SIGKILL at <point>}, so a test can tell the kill happened
 * there.
 *
 * <p>Without the variable {@link #at} is a comparison with a constant null: nothing on the hot
 * path. The points are named where they are placed: {@code before:<Action>} and {@code
 * after:<Action>} around every action the applier runs, and named steps inside the long actions
 * and the daemon (see the README's "Crash tests").
 */
public final class TestCrashHook {
  /** The environment variable that arms the hook. */
  public static final String VARIABLE = "PGCONVERGE_TEST_CRASH_AT";

  private static final String POINT;
  private static final int NTH;
  private static final AtomicInteger SEEN = new AtomicInteger();

  static {
    String armed = System.getenv(VARIABLE);
    if (armed == null || armed.isBlank()) {
      POINT = null;
      NTH = 0;
    } else {
      int hash = armed.lastIndexOf('#');
      POINT = hash < 0 ? armed.strip() : armed.substring(0, hash).strip();
      NTH = hash < 0 ? 1 : Integer.parseInt(armed.substring(hash + 1).strip());
    }
  }

  private TestCrashHook() {}

  /** Kills this JVM when the hook is armed for {@code point} and this is its n-th visit; else returns at once. */
  public static void at(String point) {
    if (POINT == null || !POINT.equals(point) || SEEN.incrementAndGet() != NTH) {
      return;
    }
    System.err.println("pgconverge: TEST crash hook: SIGKILL at " + point + (NTH > 1 ? "#" + NTH : ""));
    System.err.flush();
    try {
      Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).start();
      kill.waitFor(5, TimeUnit.SECONDS);
      Thread.sleep(5000); // the signal arrives while we wait
    } catch (Exception e) {
      // fall through
    }
    Runtime.getRuntime().halt(137);
  }
}
