package io.pgconverge.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses postgresql.conf / postgresql.auto.conf text the way the server's lexer
 * ({@code guc-file.l}) does, without following includes.
 *
 * <p>Algorithm, per physical line:
 *
 * <ol>
 *   <li>Skip leading whitespace; a blank line or one starting with {@code #} is ignored.
 *   <li>Read the name: an identifier ({@code [A-Za-z_][A-Za-z0-9_]*}, non-ASCII letters allowed)
 *       optionally followed by one {@code .identifier} (custom settings such as {@code
 *       pg_stat_statements.max}). It is lower-cased.
 *   <li>Skip whitespace and an optional {@code =}.
 *   <li>Read the value: either a single-quoted string, in which {@code ''} and {@code \'} stand
 *       for a quote and {@code \b \f \n \r \t}, octal {@code \ooo} and {@code \x} (any other
 *       character, itself) are backslash escapes; or a bare token running up to whitespace or
 *       {@code #}. A bare token must be one the server's lexer accepts as a value: an integer
 *       with optional unit letters ({@code 152MB}, {@code -1}, {@code 0x10}), a real without
 *       unit ({@code 0.5}), or an unquoted word ({@code replica}, {@code foo-bar:baz}). So
 *       {@code *}, {@code /var/lib} and {@code 1.5GB} must be quoted, exactly as the server
 *       insists; and a bare {@code a.b} is rejected because the server lexes it as a qualified
 *       name, not a value.
 *   <li>Only whitespace and a comment may follow.
 *   <li>{@code include}, {@code include_if_exists} and {@code include_dir} lines become {@link
 *       ConfInclude}s; every other line becomes a {@link ConfEntry}.
 * </ol>
 */
public final class ConfParser {
  private static final Set<String> INCLUDE_DIRECTIVES =
      Set.of("include", "include_if_exists", "include_dir");

  private static final String LETTER = "A-Za-z_\\x{80}-\\x{10FFFF}";
  private static final String ID = "[" + LETTER + "][" + LETTER + "0-9]*";
  private static final Pattern QUALIFIED_ID = Pattern.compile(ID + "\\." + ID);
  private static final Pattern UNQUOTED_STRING =
      Pattern.compile("[" + LETTER + "][" + LETTER + "0-9\\-._:/]*");
  private static final Pattern INTEGER =
      Pattern.compile("[-+]?([0-9]+|0x[0-9a-fA-F]+)[a-zA-Z]*");
  private static final Pattern REAL =
      Pattern.compile("[-+]?[0-9]*\\.[0-9]*([Ee][-+]?[0-9]+)?");

  private ConfParser() {}

  /**
   * Parses the whole text. Has no side effects.
   *
   * @throws ConfSyntaxException for the first line the server would reject, naming its token
   */
  public static ConfFile parse(String text) throws ConfSyntaxException {
    List<ConfEntry> entries = new ArrayList<>();
    List<ConfInclude> includes = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      parseLine(line, i + 1, entries, includes);
    }
    return new ConfFile(entries, includes);
  }

  private static void parseLine(
      String line, int lineNo, List<ConfEntry> entries, List<ConfInclude> includes)
      throws ConfSyntaxException {
    int pos = skipSpace(line, 0);
    if (pos == line.length() || line.charAt(pos) == '#') {
      return;
    }
    int nameStart = pos;
    while (pos < line.length() && isNameChar(line.charAt(pos))) {
      pos++;
    }
    String rawName = line.substring(nameStart, pos);
    if (rawName.isEmpty() || !(rawName.matches(ID) || QUALIFIED_ID.matcher(rawName).matches())) {
      throw new ConfSyntaxException(
          lineNo, "syntax error near \"" + token(line, nameStart) + "\": expected a setting name");
    }
    String name = rawName.toLowerCase(Locale.ROOT);
    pos = skipSpace(line, pos);
    if (pos < line.length() && line.charAt(pos) == '=') {
      pos = skipSpace(line, pos + 1);
    }
    if (pos == line.length() || line.charAt(pos) == '#') {
      throw new ConfSyntaxException(lineNo, "missing value for \"" + rawName + "\"");
    }
    String value;
    if (line.charAt(pos) == '\'') {
      int end = endOfQuoted(line, pos);
      if (end < 0) {
        throw new ConfSyntaxException(
            lineNo, "unterminated quoted string for \"" + rawName + "\": " + line.substring(pos));
      }
      value = unescape(line.substring(pos + 1, end - 1));
      pos = end;
    } else {
      int start = pos;
      while (pos < line.length()
          && !Character.isWhitespace(line.charAt(pos))
          && line.charAt(pos) != '#'
          && line.charAt(pos) != '\'') {
        pos++;
      }
      value = line.substring(start, pos);
      if (!isBareValue(value)) {
        throw new ConfSyntaxException(
            lineNo,
            "syntax error near \""
                + value
                + "\" (value of \""
                + rawName
                + "\"): the server requires this value in single quotes");
      }
    }
    pos = skipSpace(line, pos);
    if (pos < line.length() && line.charAt(pos) != '#') {
      throw new ConfSyntaxException(
          lineNo,
          "syntax error near \"" + token(line, pos) + "\": unexpected text after the value of \""
              + rawName + "\"");
    }
    if (INCLUDE_DIRECTIVES.contains(name)) {
      includes.add(new ConfInclude(name, value, lineNo));
    } else {
      entries.add(new ConfEntry(name, value, lineNo));
    }
  }

  /** Whether the server's lexer accepts {@code token} unquoted as a value. */
  static boolean isBareValue(String token) {
    if (INTEGER.matcher(token).matches() || REAL.matcher(token).matches()) {
      return true;
    }
    return UNQUOTED_STRING.matcher(token).matches() && !QUALIFIED_ID.matcher(token).matches();
  }

  private static boolean isNameChar(char c) {
    return c == '_' || c == '.' || Character.isLetterOrDigit(c) || c >= 0x80;
  }

  private static int skipSpace(String s, int pos) {
    while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
      pos++;
    }
    return pos;
  }

  private static String token(String line, int pos) {
    int end = pos;
    while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
      end++;
    }
    return line.substring(pos, Math.max(end, Math.min(pos + 1, line.length())));
  }

  /** Index just past the closing quote of the string opening at {@code start}, or -1. */
  private static int endOfQuoted(String line, int start) {
    int pos = start + 1;
    while (pos < line.length()) {
      char c = line.charAt(pos);
      if (c == '\\' && pos + 1 < line.length()) {
        pos += 2;
      } else if (c == '\'') {
        if (pos + 1 < line.length() && line.charAt(pos + 1) == '\'') {
          pos += 2;
        } else {
          return pos + 1;
        }
      } else {
        pos++;
      }
    }
    return -1;
  }

  /** Resolves escapes inside a quoted string as the server's GUC_scanstr does. */
  static String unescape(String body) {
    StringBuilder out = new StringBuilder(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '\\' && i + 1 < body.length()) {
        char next = body.charAt(++i);
        switch (next) {
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case '0', '1', '2', '3', '4', '5', '6', '7' -> {
            int value = next - '0';
            int digits = 1;
            while (digits < 3
                && i + 1 < body.length()
                && body.charAt(i + 1) >= '0'
                && body.charAt(i + 1) <= '7') {
              value = value * 8 + (body.charAt(++i) - '0');
              digits++;
            }
            out.append((char) value);
          }
          default -> out.append(next);
        }
      } else if (c == '\'' && i + 1 < body.length() && body.charAt(i + 1) == '\'') {
        out.append('\'');
        i++;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
