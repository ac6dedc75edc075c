package io.pgconverge.pg;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a whole pg_hba.conf file into its records.
 *
 * <ol>
 *   <li>Split into physical lines ({@code \n}, optional {@code \r}).
 *   <li>A line ending in a backslash continues on the next line (PostgreSQL 16+ syntax; the
 *       backslash is dropped and the lines joined). Errors report the first physical line.
 *   <li>Blank and comment-only lines are skipped; every other line is parsed by {@link
 *       HbaLine#parse}.
 * </ol>
 *
 * <p>{@code include} directives (PostgreSQL 16+) are not supported and are reported as an unknown
 * connection type.
 */
public final class HbaFile {
  private HbaFile() {}

  /**
   * The records in file order. Has no side effects.
   *
   * @throws HbaFileSyntaxException for the first bad line, with its line number
   */
  public static List<HbaLine> parse(String text) throws HbaFileSyntaxException {
    List<HbaLine> result = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int firstLine = i + 1;
      StringBuilder logical = new StringBuilder(stripCr(lines[i]));
      while (logical.length() > 0
          && logical.charAt(logical.length() - 1) == '\\'
          && i + 1 < lines.length) {
        logical.setLength(logical.length() - 1);
        logical.append(stripCr(lines[++i]));
      }
      String line = logical.toString();
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      try {
        result.add(HbaLine.parse(line));
      } catch (HbaSyntaxException e) {
        throw new HbaFileSyntaxException(firstLine, e.column(), e.getMessage());
      }
    }
    return result;
  }

  private static String stripCr(String s) {
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }
}
