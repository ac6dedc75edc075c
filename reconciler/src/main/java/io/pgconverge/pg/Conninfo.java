package io.pgconverge.pg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * libpq connection strings in keyword/value form ({@code host=db1 port=5432 user='repl'}), as
 * used for {@code primary_conninfo} and {@code pg_rewind --source-server}.
 *
 * <p>Parsing follows libpq's {@code conninfo_parse}: pairs separated by whitespace; whitespace
 * allowed around {@code =}; a value is either single-quoted, or bare up to the next whitespace;
 * in both forms a backslash makes the next character literal. URIs ({@code postgresql://}) are
 * not handled. Rendering leaves plain values bare ({@code host=10.0.0.11}, readable in logs and
 * by a DBA's grep) and quotes the others, escaping {@code '} and {@code \} with a backslash.
 */
public final class Conninfo {
  private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final String MASK = "********";
  private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_.:/+@-]+");

  private Conninfo() {}

  /** {@code key='value'} pairs in map order, separated by one space. Has no side effects. */
  public static String render(Map<String, String> params) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (!KEY.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException("not a valid conninfo keyword: \"" + e.getKey() + "\"");
      }
      if (out.length() > 0) {
        out.append(' ');
      }
      String v = e.getValue();
      if (BARE.matcher(v).matches()) {
        out.append(e.getKey()).append('=').append(v);
        continue;
      }
      out.append(e.getKey()).append("='");
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c == '\'' || c == '\\') {
          out.append('\\');
        }
        out.append(c);
      }
      out.append('\'');
    }
    return out.toString();
  }

  /**
   * The keyword/value pairs in order (a repeated keyword keeps its last value, as in libpq). Has no
   * side effects.
   *
   * @throws IllegalArgumentException for malformed text; the message never contains a value
   */
  public static Map<String, String> parse(String conninfo) {
    Map<String, String> result = new LinkedHashMap<>();
    scan(conninfo, (key, value, start, end) -> result.put(key, value));
    return result;
  }

  /**
   * The same text with every {@code password} value replaced by {@code ********}, everything else
   * kept as written. Malformed text is masked from the first {@code password} keyword to the end.
   * Has no side effects.
   */
  public static String masked(String conninfo) {
    StringBuilder out = new StringBuilder(conninfo);
    int[] shift = {0};
    try {
      scan(
          conninfo,
          (key, value, start, end) -> {
            if (key.equals("password")) {
              out.replace(start + shift[0], end + shift[0], MASK);
              shift[0] += MASK.length() - (end - start);
            }
          });
      return out.toString();
    } catch (IllegalArgumentException e) {
      Matcher m = Pattern.compile("password\\s*=").matcher(conninfo);
      return m.find() ? conninfo.substring(0, m.end()) + MASK : conninfo;
    }
  }

  private interface PairSink {
    /** {@code start}/{@code end} delimit the value as written, quotes included. */
    void pair(String key, String value, int start, int end);
  }

  private static void scan(String s, PairSink sink) {
    int pos = 0;
    int n = s.length();
    while (true) {
      while (pos < n && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
      if (pos >= n) {
        return;
      }
      int keyStart = pos;
      while (pos < n && s.charAt(pos) != '=' && !Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
      String key = s.substring(keyStart, pos);
      while (pos < n && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
      if (pos >= n || s.charAt(pos) != '=') {
        throw new IllegalArgumentException(
            "missing \"=\" after \"" + key + "\" in connection info string");
      }
      pos++;
      while (pos < n && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
      int valueStart = pos;
      StringBuilder value = new StringBuilder();
      if (pos < n && s.charAt(pos) == '\'') {
        pos++;
        boolean closed = false;
        while (pos < n) {
          char c = s.charAt(pos++);
          if (c == '\\' && pos < n) {
            value.append(s.charAt(pos++));
          } else if (c == '\'') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        if (!closed) {
          throw new IllegalArgumentException(
              "unterminated quoted string in connection info string (keyword \"" + key + "\")");
        }
      } else {
        while (pos < n && !Character.isWhitespace(s.charAt(pos))) {
          char c = s.charAt(pos++);
          if (c == '\\' && pos < n) {
            value.append(s.charAt(pos++));
          } else {
            value.append(c);
          }
        }
      }
      sink.pair(key, value.toString(), valueStart, pos);
    }
  }
}
