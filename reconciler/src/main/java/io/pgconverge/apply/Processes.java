package io.pgconverge.apply;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The long-running children (initdb, pg_basebackup) an action is waiting for, so that a stopping
 * daemon can end them, whole process group and all, instead of leaving them behind.
 */
public final class Processes {
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  private Processes() {}

  static void track(Process p) {
    RUNNING.add(p);
  }

  static void untrack(Process p) {
    RUNNING.remove(p);
  }

  /** Kills every tracked child's process group; returns how many there were. */
  public static int killAll() {
    int n = 0;
    for (Process p : Set.copyOf(RUNNING)) {
      Staging.killGroup(p.pid());
      p.destroyForcibly();
      n++;
    }
    return n;
  }
}
