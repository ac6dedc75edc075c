package io.pgconverge.desired;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the desired state writes them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}. Has no side effects. */
public final class Durations {
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

  private Durations() {}

  /** The duration {@code text} stands for, or empty when it is not written as a number and a unit. */
  public static Optional<Duration> parse(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Optional.of(Duration.ofMillis(n));
      case "s":
        return Optional.of(Duration.ofSeconds(n));
      case "m":
        return Optional.of(Duration.ofMinutes(n));
      case "h":
        return Optional.of(Duration.ofHours(n));
      default:
        return Optional.of(Duration.ofDays(n));
    }
  }

  /** The shortest way to write {@code d} in the same notation, for messages and the status file. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0 && ms > 0) {
      return ms / 86_400_000 + "d";
    } else if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    } else if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    } else if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
