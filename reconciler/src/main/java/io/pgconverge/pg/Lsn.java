package io.pgconverge.pg;

import java.util.Optional;

/** A WAL location as PostgreSQL writes it ({@code 0/3000060}: two hexadecimal halves). Has no side effects. */
public final class Lsn {
  private Lsn() {}

  /** {@code X/Y} as a byte position; empty when it does not parse. */
  public static Optional<Long> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
      return Optional.empty();
    }
    try {
      return Optional.of((Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** A byte position as {@code X/Y}, upper-case, as the server prints it. */
  public static String format(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xffffffffL).toUpperCase();
  }
}
