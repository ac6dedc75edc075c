package io.pgconverge.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One pg_hba.conf record.
 *
 * <p>Parsing follows the server's {@code hba.c}:
 *
 * <ol>
 *   <li>Split the line into whitespace-separated columns; {@code #} outside double quotes starts a
 *       comment. Inside a column, commas separate list items; double quotes protect spaces,
 *       commas and keywords ({@code ""} inside quotes is one quote).
 *   <li>Column 1 is the type: local, host, hostssl, hostnossl, hostgssenc, hostnogssenc.
 *   <li>Columns 2 and 3 are the database and user lists.
 *   <li>Except for {@code local}, the next column is the address: {@code all}, {@code samehost},
 *       {@code samenet}, the pgconverge keyword {@code peers}, a CIDR range, a host name (a
 *       leading dot matches a domain suffix), or a bare IP address, in which case the next column
 *       is its netmask.
 *   <li>The next column is the authentication method; every later column must be a {@code
 *       name=value} option.
 * </ol>
 *
 * <p>List items are kept in a canonical written form: bare when the bare form means the same,
 * otherwise double-quoted. So a quoted {@code "all"} (a database literally named all) stays
 * {@code "\"all\""}, distinct from the keyword {@code all}, while a needlessly quoted {@code
 * "mydb"} becomes {@code mydb}. Options are kept as written.
 */
public record HbaLine(
    String type,
    List<String> databases,
    List<String> users,
    Optional<String> address,
    Optional<String> mask,
    String method,
    List<String> options) {

  public static final List<String> TYPES =
      List.of("local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc");
  public static final List<String> METHODS =
      List.of(
          "trust", "reject", "scram-sha-256", "md5", "password", "gss", "sspi", "ident", "peer",
          "ldap", "radius", "cert", "pam", "bsd");
  public static final Set<String> ADDRESS_KEYWORDS = Set.of("all", "samehost", "samenet", "peers");
  private static final Set<String> DATABASE_KEYWORDS =
      Set.of("all", "sameuser", "samerole", "samegroup", "replication");
  private static final Pattern SIMPLE_ITEM = Pattern.compile("[^\\s,\"#]+");
  private static final Pattern IPV4 = Pattern.compile("[0-9]+(\\.[0-9]+){3}");
  private static final Pattern HOSTNAME = Pattern.compile("\\.?[A-Za-z0-9_]([A-Za-z0-9_.-]*)");

  public HbaLine {
    databases = List.copyOf(databases);
    users = List.copyOf(users);
    options = List.copyOf(options);
  }

  /**
   * Parses one line of pg_hba.conf syntax (a trailing comment is allowed). Has no side effects.
   *
   * @throws HbaSyntaxException naming the offending word, with its 1-based column in {@code text}
   */
  public static HbaLine parse(String text) throws HbaSyntaxException {
    List<Token> tokens = tokenize(text);
    if (tokens.isEmpty()) {
      throw new HbaSyntaxException(1, "empty pg_hba.conf line; expected a connection type");
    }
    Token typeToken = tokens.get(0);
    String type = typeToken.text;
    if (typeToken.quoted || !TYPES.contains(type)) {
      throw new HbaSyntaxException(
          typeToken.column,
          "invalid connection type \"" + type + "\"; expected one of " + String.join(", ", TYPES));
    }
    boolean local = type.equals("local");
    int needed = local ? 4 : 5;
    if (tokens.size() < needed) {
      String missing =
          switch (tokens.size()) {
            case 1 -> "database";
            case 2 -> "user";
            case 3 -> local ? "authentication method" : "address";
            default -> "authentication method";
          };
      throw new HbaSyntaxException(
          text.length() + 1, "end-of-line before " + missing + " specification");
    }
    List<String> databases = items(tokens.get(1), true);
    List<String> users = items(tokens.get(2), false);
    int next = 3;
    Optional<String> address = Optional.empty();
    Optional<String> mask = Optional.empty();
    if (!local) {
      Token addr = tokens.get(next++);
      String a = addr.text;
      if (addr.quoted || ADDRESS_KEYWORDS.contains(a)) {
        // keyword, or a quoted host name (rare); kept as written
      } else if (a.contains("/")) {
        checkCidr(addr);
      } else if (looksLikeIp(a)) {
        checkIp(addr, a, addr.column);
        if (next >= tokens.size()) {
          throw new HbaSyntaxException(
              text.length() + 1,
              "end-of-line before netmask specification for IP address \"" + a
                  + "\"; give an address range in CIDR notation or a separate netmask");
        }
        Token m = tokens.get(next++);
        if (!looksLikeIp(m.text)) {
          throw new HbaSyntaxException(
              m.column,
              "expected a netmask after IP address \"" + a + "\", got \"" + m.text
                  + "\"; give an address range in CIDR notation (" + a
                  + (a.contains(":") ? "/128" : "/32") + ") or a separate netmask");
        }
        checkIp(m, m.text, m.column);
        if (a.contains(":") != m.text.contains(":")) {
          throw new HbaSyntaxException(
              m.column, "IP address and mask do not match: \"" + a + "\" and \"" + m.text + "\"");
        }
        mask = Optional.of(m.text);
      } else if (!HOSTNAME.matcher(a).matches()) {
        throw new HbaSyntaxException(addr.column, "invalid address \"" + a + "\"");
      }
      address = Optional.of(addr.quoted ? quote(a) : a);
      if (next >= tokens.size()) {
        throw new HbaSyntaxException(
            text.length() + 1, "end-of-line before authentication method");
      }
    }
    Token methodToken = tokens.get(next++);
    String method = methodToken.text;
    if (methodToken.quoted || !METHODS.contains(method)) {
      if (local && (looksLikeIp(method) || method.contains("/") || ADDRESS_KEYWORDS.contains(method)
          || method.startsWith("."))) {
        throw new HbaSyntaxException(
            methodToken.column,
            "unknown authentication method \"" + method
                + "\": \"local\" lines have no address column; expected the method here");
      }
      throw new HbaSyntaxException(
          methodToken.column,
          "unknown authentication method \"" + method + "\"; expected one of "
              + String.join(", ", METHODS));
    }
    checkMethodForType(type, method, methodToken.column);
    List<String> options = new ArrayList<>();
    for (int i = next; i < tokens.size(); i++) {
      Token o = tokens.get(i);
      int eq = o.raw.indexOf('=');
      if (eq <= 0) {
        throw new HbaSyntaxException(
            o.column, "authentication option not in name=value format: \"" + o.raw + "\"");
      }
      options.add(o.raw);
    }
    return new HbaLine(type, databases, users, address, mask, method, options);
  }

  /**
   * The canonical one-line form, columns aligned (type 8, databases 16, users 16, address 24
   * wide; a {@code local} line leaves the address column blank), no trailing whitespace. It
   * re-parses to an equal record. Has no side effects.
   */
  public String render() {
    StringBuilder out = new StringBuilder();
    pad(out, type, 8);
    pad(out, String.join(",", databases), 16);
    pad(out, String.join(",", users), 16);
    String addr = address.map(a -> mask.map(m -> a + " " + m).orElse(a)).orElse("");
    pad(out, addr, 24);
    out.append(method);
    for (String option : options) {
      out.append(' ').append(option);
    }
    return out.toString();
  }

  /** The record on one line with single spaces between its columns, for messages. Has no side effects. */
  public String compact() {
    return render().strip().replaceAll(" +", " ");
  }

  public HbaLine withAddress(String newAddress) {
    return new HbaLine(
        type, databases, users, Optional.of(newAddress), Optional.empty(), method, options);
  }

  /**
   * Whether this line, if it is a {@code local} line, matches a Unix-socket connection to {@code
   * database} as {@code user}: by {@code all}, {@code sameuser} or the names themselves. {@code
   * +group}, {@code @file}, {@code samerole} and {@code replication} items never count
   * (conservatively: we cannot check them without I/O). Has no side effects.
   */
  public boolean matchesLocal(String database, String user) {
    if (!type.equals("local")) {
      return false;
    }
    boolean db =
        databases.stream()
            .anyMatch(
                d -> d.equals("all") || (d.equals("sameuser") && database.equals(user))
                    || nameMatches(d, database, DATABASE_KEYWORDS));
    boolean usr =
        users.stream().anyMatch(u -> u.equals("all") || nameMatches(u, user, Set.of("all")));
    return db && usr;
  }

  private static boolean nameMatches(String item, String name, Set<String> keywords) {
    if (item.startsWith("\"")) {
      return unquote(item).equals(name);
    }
    if (item.startsWith("+") || item.startsWith("@") || keywords.contains(item)) {
      return false;
    }
    return item.equals(name);
  }

  private static void pad(StringBuilder out, String column, int width) {
    out.append(column);
    int spaces = Math.max(1, width - column.length());
    out.append(" ".repeat(spaces));
  }

  private static void checkMethodForType(String type, String method, int column)
      throws HbaSyntaxException {
    if (type.equals("local") && (method.equals("gss") || method.equals("sspi"))) {
      throw new HbaSyntaxException(
          column, method + " authentication is not supported on local sockets");
    }
    if (!type.equals("local") && method.equals("peer")) {
      throw new HbaSyntaxException(
          column, "peer authentication is only supported on local sockets (type \"" + type
              + "\")");
    }
    if (method.equals("cert") && !type.equals("hostssl")) {
      throw new HbaSyntaxException(
          column, "cert authentication is only supported on hostssl connections");
    }
  }

  // ---- columns and list items ----

  private record Token(String text, String raw, boolean quoted, int column, List<Item> items) {}

  private record Item(String text, boolean quoted) {}

  /** Splits into columns; {@code text} is the unquoted first item, {@code raw} as written. */
  private static List<Token> tokenize(String line) throws HbaSyntaxException {
    List<Token> tokens = new ArrayList<>();
    int pos = 0;
    int n = line.length();
    while (true) {
      while (pos < n && Character.isWhitespace(line.charAt(pos))) {
        pos++;
      }
      if (pos >= n || line.charAt(pos) == '#') {
        return tokens;
      }
      int start = pos;
      List<Item> items = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      boolean inQuote = false;
      boolean sawQuote = false;
      while (pos < n) {
        char c = line.charAt(pos);
        if (!inQuote && (Character.isWhitespace(c) || c == '#')) {
          break;
        }
        pos++;
        if (c == '"') {
          if (inQuote && pos < n && line.charAt(pos) == '"') {
            current.append('"');
            pos++;
          } else {
            inQuote = !inQuote;
            sawQuote = true;
          }
        } else if (c == ',' && !inQuote) {
          items.add(new Item(current.toString(), sawQuote));
          current.setLength(0);
          sawQuote = false;
        } else {
          current.append(c);
        }
      }
      if (inQuote) {
        throw new HbaSyntaxException(
            start + 1, "unterminated quoted string: " + line.substring(start));
      }
      items.add(new Item(current.toString(), sawQuote));
      Item first = items.get(0);
      tokens.add(
          new Token(first.text, line.substring(start, pos), first.quoted, start + 1, items));
    }
  }

  private static List<String> items(Token token, boolean databaseColumn)
      throws HbaSyntaxException {
    List<String> result = new ArrayList<>();
    Set<String> keywords = databaseColumn ? DATABASE_KEYWORDS : Set.of("all");
    for (Item item : token.items) {
      if (item.text.isEmpty() && !item.quoted) {
        throw new HbaSyntaxException(
            token.column,
            "empty item in " + (databaseColumn ? "database" : "user") + " list \"" + token.raw
                + "\"");
      }
      boolean bareMeansSame =
          SIMPLE_ITEM.matcher(item.text).matches()
              && !(item.quoted
                  && (keywords.contains(item.text)
                      || item.text.startsWith("+")
                      || item.text.startsWith("@")));
      result.add(bareMeansSame ? item.text : quote(item.text));
    }
    return result;
  }

  private static String quote(String s) {
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  private static String unquote(String s) {
    return s.substring(1, s.length() - 1).replace("\"\"", "\"");
  }

  // ---- addresses ----

  private static boolean looksLikeIp(String s) {
    return s.matches("[0-9.]+") || (s.contains(":") && s.matches("[0-9A-Fa-f:.]+"));
  }

  private static void checkCidr(Token token) throws HbaSyntaxException {
    String s = token.text;
    int slash = s.indexOf('/');
    String ip = s.substring(0, slash);
    String bits = s.substring(slash + 1);
    checkIp(token, ip, token.column);
    int max = ip.contains(":") ? 128 : 32;
    if (!bits.matches("[0-9]{1,3}") || Integer.parseInt(bits) > max) {
      throw new HbaSyntaxException(
          token.column + slash + 1,
          "invalid CIDR mask in address \"" + s + "\": prefix length must be 0-" + max);
    }
  }

  private static void checkIp(Token token, String ip, int column) throws HbaSyntaxException {
    boolean ok = ip.contains(":") ? isIpv6(ip) : isIpv4(ip);
    if (!ok) {
      throw new HbaSyntaxException(
          column, "invalid IP address \"" + ip + "\" in \"" + token.text + "\"");
    }
  }

  static boolean isIpv4(String s) {
    if (!IPV4.matcher(s).matches()) {
      return false;
    }
    for (String part : s.split("\\.")) {
      if (part.length() > 3 || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  static boolean isIpv6(String s) {
    int groups = 0;
    String body = s;
    if (body.matches(".*:[0-9]+(\\.[0-9]+){3}")) {
      int cut = body.lastIndexOf(':');
      if (!isIpv4(body.substring(cut + 1))) {
        return false;
      }
      body = body.substring(0, cut + 1) + "0:0";
    }
    int doubleColon = body.indexOf("::");
    if (doubleColon >= 0 && body.indexOf("::", doubleColon + 1) >= 0) {
      return false;
    }
    String[] sides = doubleColon >= 0
        ? new String[] {body.substring(0, doubleColon), body.substring(doubleColon + 2)}
        : new String[] {body};
    for (String side : sides) {
      if (side.isEmpty()) {
        continue;
      }
      for (String group : side.split(":", -1)) {
        if (!group.matches("[0-9A-Fa-f]{1,4}")) {
          return false;
        }
        groups++;
      }
    }
    return doubleColon >= 0 ? groups <= 7 : groups == 8;
  }
}
