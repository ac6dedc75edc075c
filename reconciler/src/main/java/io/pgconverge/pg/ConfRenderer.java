package io.pgconverge.pg;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes postgresql.conf text that {@link ConfParser} (and the server) reads back to exactly the
 * given values.
 *
 * <p>A value is written bare only when it is a plain number with an optional unit ({@code 3},
 * {@code 152MB}, {@code -1}, {@code 0.5}) or an identifier-like word ({@code replica}, {@code
 * on}); everything else is single-quoted, with {@code '} doubled, {@code \} doubled (the server
 * treats backslash as an escape inside quotes) and newline / carriage return written as {@code \n}
 * / {@code \r} (a quoted string may not span lines).
 */
public final class ConfRenderer {
  private static final Pattern BARE =
      Pattern.compile("-?[0-9]+(\\.[0-9]+)?|-?[0-9]+[A-Za-z]+|[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

  private ConfRenderer() {}

  /**
   * Header lines, each prefixed {@code "# "} (an empty one as {@code "#"}, to avoid trailing
   * whitespace), then a blank line, then one {@code name = value} line per setting in map order.
   * Every line ends in {@code \n}. With no header lines, only the settings. Has no side effects.
   *
   * @throws IllegalArgumentException when a name is not a valid setting name
   */
  public static String render(List<String> headerLines, Map<String, String> settings) {
    StringBuilder out = new StringBuilder();
    for (String header : headerLines) {
      for (String line : header.split("\n", -1)) {
        out.append(line.isEmpty() ? "#" : "# " + line).append('\n');
      }
    }
    if (!headerLines.isEmpty()) {
      out.append('\n');
    }
    for (Map.Entry<String, String> setting : settings.entrySet()) {
      if (!NAME.matcher(setting.getKey()).matches()) {
        throw new IllegalArgumentException(
            "not a valid setting name: \"" + setting.getKey() + "\"");
      }
      out.append(setting.getKey())
          .append(" = ")
          .append(quoteValue(setting.getValue()))
          .append('\n');
    }
    return out.toString();
  }

  /** The value as it should appear after {@code name = }. Has no side effects. */
  public static String quoteValue(String value) {
    if (BARE.matcher(value).matches()) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\'' -> out.append("''");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    return out.append('\'').toString();
  }
}
