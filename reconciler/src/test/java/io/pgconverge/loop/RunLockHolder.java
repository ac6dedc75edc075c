package io.pgconverge.loop;

import java.nio.file.Path;

/**
 * A child process for {@link RunLockTest}: takes and lets go of the lock of a data directory as
 * fast as it can until a deadline, so that another process trying it sees every moment of a take.
 */
public final class RunLockHolder {
  private RunLockHolder() {}

  /** Arguments: the data directory and how many milliseconds to keep going. */
  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    long until = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000L;
    int taken = 0;
    while (System.nanoTime() < until) {
      try (RunLock lock = RunLock.acquire(data)) {
        taken++;
        Thread.sleep(1);
      } catch (RunLock.HeldException e) {
        // the test process has it for a moment
      }
    }
    System.out.println("taken " + taken);
  }
}
