package io.pgconverge.failover.runtime;

import java.time.Duration;

/**
 * How long the holder of the leader key keeps it while its server is not writable: once the
 * server was writable under the hold, at most {@code ttl - margin} of not being writable (a
 * crashed postmaster that the daemon starts again gets that long to be writable again); then the
 * key must go, so that a healthy replica takes over. A hold under which the server was never
 * writable (the bootstrap's initdb, a promotion under way) is not counted here. Pure: the caller
 * hands in the monotonic time.
 */
final class WritableGrace {
  private final long limitNanos;
  private boolean sawWritable;
  private long notWritableSince;
  private boolean counting;

  WritableGrace(Duration ttl, Duration margin) {
    this.limitNanos = ttl.minus(margin).toNanos();
  }

  /**
   * Records one observation of the local server; true when we hold the key, the server was
   * writable under this hold and has not been for longer than {@code ttl - margin}: let the key go.
   */
  boolean overdue(boolean holding, boolean writable, long nowNanos) {
    if (!holding) {
      reset();
      return false;
    }
    if (writable) {
      sawWritable = true;
      counting = false;
      return false;
    }
    if (!sawWritable) {
      return false;
    }
    if (!counting) {
      counting = true;
      notWritableSince = nowNanos;
    }
    return nowNanos - notWritableSince > limitNanos;
  }

  /** How long the server has not been writable under the hold, in ms (0 when it is, or is not counted). */
  long notWritableMillis(long nowNanos) {
    return counting ? (nowNanos - notWritableSince) / 1_000_000 : 0;
  }

  void reset() {
    sawWritable = false;
    counting = false;
  }
}
