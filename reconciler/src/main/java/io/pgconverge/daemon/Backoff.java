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

  private Backoff() {}

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
