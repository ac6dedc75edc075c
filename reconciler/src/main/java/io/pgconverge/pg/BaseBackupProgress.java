package io.pgconverge.pg;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One progress report of {@code pg_basebackup --progress}, as it writes it to stderr:
 * {@code "  1234/56789 kB (2%), 0/1 tablespace"} (with {@code --verbose} a file name follows;
 * with stderr not a terminal each report ends with a newline, otherwise a carriage return).
 * The total is the server's estimate and may be exceeded; pg_basebackup then prints it equal to
 * the copied amount. Has no side effects.
 *
 * @param doneBytes bytes copied so far
 * @param totalBytes the estimated total in bytes
 */
public record BaseBackupProgress(long doneBytes, long totalBytes) {
  private static final Pattern LINE = Pattern.compile("^\\s*(\\d+)/(\\d+) kB \\((\\d+)%\\), \\d+/\\d+ tablespaces?\\b");

  /** The report in {@code line}, or empty when the line is something else (a notice, an error). */
  public static Optional<BaseBackupProgress> parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(new BaseBackupProgress(Long.parseLong(m.group(1)) * 1024, Long.parseLong(m.group(2)) * 1024));
  }

  /** True for a line pg_basebackup writes only to show progress (not worth quoting in an error). */
  public static boolean isProgress(String line) {
    return LINE.matcher(line).find();
  }

  /** Percent copied, 0-100 (0 while the total is unknown). */
  public int percent() {
    return totalBytes <= 0 ? 0 : (int) Math.min(100, doneBytes * 100 / totalBytes);
  }
}
