package io.pgconverge.desired;

import java.time.Duration;
import java.util.Optional;

/**
 * When the daemon runs on its own: every {@code every} plus a random delay of up to {@code
 * jitter}, or at the times of a Quartz {@code cron} expression (plus the same jitter). {@code
 * every} and {@code cron} exclude each other in the file; with a cron, {@code every} keeps its
 * default and only bounds the retry backoff.
 */
public record Schedule(Duration every, Duration jitter, Optional<String> cron) {
  public static final Duration DEFAULT_EVERY = Duration.ofMinutes(5);
  public static final Schedule DEFAULT = withDefaults(DEFAULT_EVERY, Optional.empty(), Optional.empty());

  /** A schedule whose jitter, when not given, is 10% of {@code every}. */
  public static Schedule withDefaults(Duration every, Optional<Duration> jitter, Optional<String> cron) {
    return new Schedule(every, jitter.orElse(every.dividedBy(10)), cron);
  }
}
