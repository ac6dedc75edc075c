package io.pgconverge.daemon;

import java.time.Duration;

/**
 * How long to wait before retrying after the {@code attempt}-th failed run in a row: 1 s, 2 s, 4 s
 * … doubling, never more than {@code cap} (the schedule's interval: a retry is never later than
 * the next scheduled run). A replica whose primary is not up yet thus retries after a second, not
 * after the interval. Has no side effects.
 */
public final class Backoff {
  static final Duration FIRST = Duration.ofSeconds(1);
  /** The quick retry while a run waits for another host (a switchover or a first start in progress). */
  static final Duration PEER_POLL = Duration.ofMillis(250);
  /** How many quick retries before waiting on a peer backs off like any failure (about 15 s). */
  static final int PEER_POLLS = 60;

  private Backoff() {}

  /**
   * The wait before retry number {@code attempt} of a run that only waits for another host: a
   * quarter of a second for the first {@value #PEER_POLLS} attempts (a handover takes a second or
   * two), then the usual doubling, counted from there.
   */
  public static Duration delayWaitingOnPeer(int attempt, Duration cap) {
    if (attempt <= PEER_POLLS) {
      return PEER_POLL.compareTo(cap) > 0 ? cap : PEER_POLL;
    }
    return delay(attempt - PEER_POLLS, cap);
  }

  /** The wait before retry number {@code attempt} (1 after the first failure). */
  public static Duration delay(int attempt, Duration cap) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt counts from 1, got " + attempt);
    }
    int shift = Math.min(attempt - 1, 30);
    Duration d = FIRST.multipliedBy(1L << shift);
    return d.compareTo(cap) > 0 ? cap : d;
  }
}
