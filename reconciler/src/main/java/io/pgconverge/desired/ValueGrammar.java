package io.pgconverge.desired;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The grammar of every desired-state value that reaches a file (postgresql.conf, pg_hba.conf), a
 * command line, a connection string or SQL. Each check returns the problem as a message, or
 * empty when the value is fine; it has no side effects. {@link DesiredStateBinder} calls these at
 * load time, so a value that could change the meaning of what pgconverge writes (a newline in a
 * peer's host that becomes a second pg_hba.conf line) is refused before anything is touched.
 */
final class ValueGrammar {
  private ValueGrammar() {}

  /** Longest value a desired-state file may hold in one scalar, in characters. */
  static final int MAX_SCALAR = 8192;

  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
  private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");
  private static final Pattern OS_USER = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}");
  private static final Set<String> RESERVED_ROLES =
      Set.of("public", "none", "current_user", "session_user", "current_role");

  /** Top-level system directories: postgres.data and postgres.config may lie below them, never be them. */
  static final Set<String> SYSTEM_DIRECTORIES =
      Set.of(
          "/etc", "/usr", "/var", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot",
          "/dev", "/proc", "/sys", "/run", "/tmp", "/home", "/root", "/opt", "/srv", "/mnt",
          "/media", "/snap", "/lost+found");

  private static final Path PGCONVERGE_ETC = Path.of("/etc/pgconverge");

  /**
   * initdb arguments pgconverge passes itself, or that would make initdb do something other than
   * create the cluster pgconverge expects, each with what to use instead. Long options match
   * with or without {@code =value}; short ones with the value attached or not.
   */
  private static final Map<String, String> OWNED_INITDB =
      Map.ofEntries(
          Map.entry("-D", "the data directory itself, from postgres.data"),
          Map.entry("--pgdata", "the data directory itself, from postgres.data"),
          Map.entry("-U", "the superuser name itself, from postgres.user"),
          Map.entry("--username", "the superuser name itself, from postgres.user"),
          Map.entry("-A", "authentication itself: pg_hba.conf comes from postgres.hba"),
          Map.entry("--auth", "authentication itself: pg_hba.conf comes from postgres.hba"),
          Map.entry("--auth-host", "authentication itself: pg_hba.conf comes from postgres.hba"),
          Map.entry("--auth-local", "authentication itself: pg_hba.conf comes from postgres.hba"),
          Map.entry("-X", "no WAL directory: its layout keeps pg_wal inside postgres.data"),
          Map.entry("--waldir", "no WAL directory: its layout keeps pg_wal inside postgres.data"),
          Map.entry("--pwfile", "no superuser password: passwords come from roles[].password_file"),
          Map.entry("-W", "no superuser password: passwords come from roles[].password_file"),
          Map.entry("--pwprompt", "no superuser password: passwords come from roles[].password_file"),
          Map.entry("-c", "no settings to initdb: they come from postgres.settings"),
          Map.entry("--set", "no settings to initdb: they come from postgres.settings"),
          Map.entry("-s", "no such option: it would show settings instead of creating the cluster"),
          Map.entry("--show", "no such option: it would show settings instead of creating the cluster"),
          Map.entry("-S", "no such option: it would only sync an existing directory"),
          Map.entry("--sync-only", "no such option: it would only sync an existing directory"),
          Map.entry("-V", "no such option: it would print the version instead of creating the cluster"),
          Map.entry("--version", "no such option: it would print the version instead of creating the cluster"),
          Map.entry("-?", "no such option: it would print help instead of creating the cluster"),
          Map.entry("--help", "no such option: it would print help instead of creating the cluster"),
          Map.entry("-n", "no such option: it would leave a half-made directory behind after an error"),
          Map.entry("--no-clean", "no such option: it would leave a half-made directory behind after an error"));

  /** initdb options whose value may be the next list item. */
  private static final Set<String> INITDB_TAKES_VALUE =
      Set.of(
          "-E", "--encoding", "-L", "--locale", "--lc-collate", "--lc-ctype", "--lc-messages",
          "--lc-monetary", "--lc-numeric", "--lc-time", "-T", "--text-search-config",
          "--icu-locale", "--icu-rules", "--locale-provider", "--wal-segsize", "--builtin-locale");

  /** The value as a message may show it: control characters escaped, long values cut short. */
  static String show(String value) {
    StringBuilder out = new StringBuilder("\"");
    int limit = Math.min(value.length(), 80);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (isControl(c)) {
        out.append(String.format("\\u%04X", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
    if (value.length() > limit) {
      out.append("... (").append(value.length()).append(" characters)");
    }
    return out.toString();
  }

  static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
  }

  /** Any string: no control characters (a newline would start a new line of a managed file). */
  static Optional<String> noControlCharacters(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (isControl(c)) {
        return Optional.of(
            String.format(
                "must not contain a control character, found U+%04X (%s) at character %d of %s",
                (int) c, controlName(c), i + 1, show(value)));
      }
    }
    return Optional.empty();
  }

  private static String controlName(char c) {
    return switch (c) {
      case '\n' -> "newline";
      case '\r' -> "carriage return";
      case '\t' -> "tab";
      case 0 -> "NUL";
      default -> "control character";
    };
  }

  /**
   * A peer's host, as it reaches pg_hba.conf (through {@code peers}) and primary_conninfo: an IPv4
   * or IPv6 address, or an RFC 1123 DNS name of at most 253 bytes.
   */
  static Optional<String> peerHost(String host) {
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (isControl(c) || Character.isWhitespace(c) || c == '\'' || c == '"' || c == '`' || c == '#' || c == ','
          || c == '=' || c == '\\') {
        return Optional.of(
            "must be an IP address or a DNS name, without whitespace, quotes, control characters, '#', ',' or '=', got "
                + show(host));
      }
    }
    if (host.startsWith("-")) {
      return Optional.of("must not start with '-' (it would read as a command-line option), got " + show(host));
    }
    if (host.contains(":")) {
      return isIpv6(host)
          ? Optional.empty()
          : Optional.of("is not a valid IPv6 address (and a DNS name has no ':'), got " + show(host));
    }
    if (host.matches("[0-9.]+")) {
      return IPV4.matcher(host).matches()
          ? Optional.empty()
          : Optional.of("is not a valid IPv4 address (four numbers 0-255 separated by dots), got " + show(host));
    }
    int bytes = host.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > 253) {
      return Optional.of("is a DNS name of " + bytes + " bytes; at most 253 are allowed");
    }
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    for (String label : name.split("\\.", -1)) {
      if (!DNS_LABEL.matcher(label).matches()) {
        return Optional.of(
            "is not a DNS name: each dot-separated label must be 1-63 letters, digits or '-', not starting"
                + " or ending with '-' (RFC 1123), got "
                + show(host));
      }
    }
    return Optional.empty();
  }

  static boolean isIpv6(String text) {
    String s = text;
    int groupsNeeded = 8;
    int ipv4At = s.lastIndexOf(':');
    if (ipv4At >= 0 && s.substring(ipv4At + 1).contains(".")) {
      if (!IPV4.matcher(s.substring(ipv4At + 1)).matches()) {
        return false;
      }
      s = s.substring(0, ipv4At + 1) + "0";
      groupsNeeded = 7;
    }
    int doubleColon = s.indexOf("::");
    if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
      return false;
    }
    if (doubleColon < 0) {
      String[] groups = s.split(":", -1);
      return groups.length == groupsNeeded && java.util.Arrays.stream(groups).allMatch(g -> HEX_GROUP.matcher(g).matches());
    }
    String head = s.substring(0, doubleColon);
    String tail = s.substring(doubleColon + 2);
    String[] h = head.isEmpty() ? new String[0] : head.split(":", -1);
    String[] t = tail.isEmpty() ? new String[0] : tail.split(":", -1);
    if (h.length + t.length > groupsNeeded - 1) {
      return false;
    }
    for (String[] part : List.of(h, t)) {
      for (String g : part) {
        if (!HEX_GROUP.matcher(g).matches()) {
          return false;
        }
      }
    }
    return true;
  }

  /** A PostgreSQL role name pgconverge creates, alters or connects as. */
  static Optional<String> roleName(String name) {
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > 63) {
      return Optional.of(
          "is " + bytes + " bytes in UTF-8; PostgreSQL cuts role names at 63 bytes and would never match it again");
    }
    if (name.startsWith("pg_")) {
      return Optional.of("must not start with pg_: PostgreSQL reserves those role names, got " + show(name));
    }
    if (RESERVED_ROLES.contains(name)) {
      return Optional.of(show(name) + " is a reserved word in PostgreSQL, not a role name");
    }
    return noControlCharacters(name);
  }

  /** postgres.user: the OS user that owns PGDATA and runs the server, and the role pgconverge connects as. */
  static Optional<String> osUser(String user) {
    if (user.equals("root")) {
      return Optional.of(
          "must not be root: PostgreSQL refuses to run as root; use the user that owns the data directory (usually postgres)");
    }
    if (!OS_USER.matcher(user).matches()) {
      return Optional.of(
          "must be a user name of at most 32 letters, digits, '_', '.' and '-', not starting with '-' or a digit, got "
              + show(user));
    }
    return roleName(user);
  }

  /** A path pgconverge reads or writes, or writes into postgresql.conf or a command line. */
  static Optional<String> path(String text) {
    Optional<String> control = noControlCharacters(text);
    if (control.isPresent()) {
      return control;
    }
    if (!text.startsWith("/")) {
      return Optional.of("must be an absolute path (starting with /), got " + show(text));
    }
    if (text.contains("'") || text.contains("\"") || text.contains("\\")) {
      return Optional.of("must not contain quotes or backslashes, got " + show(text));
    }
    if (text.getBytes(StandardCharsets.UTF_8).length > 4095) {
      return Optional.of("is longer than 4095 bytes (PATH_MAX)");
    }
    String normal = Path.of(text).normalize().toString();
    if (!normal.equals(text)) {
      return Optional.of("must be normalised (no '.', '..', '//' or trailing '/'), here " + show(normal) + ", got " + show(text));
    }
    return Optional.empty();
  }

  /** postgres.data and postgres.config: a directory pgconverge may create, fill and move aside. */
  static Optional<String> clusterDirectory(String text) {
    Optional<String> base = path(text);
    if (base.isPresent()) {
      return base;
    }
    if (text.equals("/")) {
      return Optional.of("must not be / itself; give a directory of its own such as /var/lib/postgresql/15/main");
    }
    if (SYSTEM_DIRECTORIES.contains(text)) {
      return Optional.of(
          "must not be the system directory " + text + " itself; give a directory below it such as " + text + "/postgresql");
    }
    Path p = Path.of(text);
    if (p.startsWith(PGCONVERGE_ETC)) {
      return Optional.of("must not be inside /etc/pgconverge, which holds pgconverge's own desired state and passwords");
    }
    return Optional.empty();
  }

  /**
   * postgres.socket_directory: it becomes unix_socket_directories (a comma-separated list) and
   * the host of pgconverge's connections; the socket path must fit in sun_path.
   */
  static Optional<String> socketDirectory(String text) {
    Optional<String> base = path(text);
    if (base.isPresent()) {
      return base;
    }
    if (text.contains(",") || text.chars().anyMatch(Character::isWhitespace)) {
      return Optional.of("must be one directory, without ',' or whitespace, got " + show(text));
    }
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > 91) {
      return Optional.of(
          "is " + bytes + " bytes; the socket path inside it (/.s.PGSQL.<port>) must fit in 107 bytes, so at most 91");
    }
    return Optional.empty();
  }

  /**
   * One item of postgres.initdb, given the item before it (or null): the options pgconverge
   * passes itself are refused with the key to use instead.
   */
  static Optional<String> initdbArgument(String arg, String previous) {
    Optional<String> control = noControlCharacters(arg);
    if (control.isPresent()) {
      return control;
    }
    String option = arg.startsWith("--") ? arg.split("=", 2)[0] : arg.length() >= 2 && arg.startsWith("-") ? arg.substring(0, 2) : arg;
    String owned = OWNED_INITDB.get(option);
    if (owned != null) {
      return Optional.of(show(arg) + " is not allowed here: pgconverge passes " + owned);
    }
    if (arg.startsWith("--auth")) {
      return Optional.of(show(arg) + " is not allowed here: pgconverge passes " + OWNED_INITDB.get("--auth"));
    }
    if (!arg.startsWith("-")) {
      if (previous != null && INITDB_TAKES_VALUE.contains(previous)) {
        return Optional.empty();
      }
      return Optional.of(
          show(arg)
              + " is not an option: initdb would take it as the data directory, which pgconverge passes itself from postgres.data"
              + " (write an option's value as --option=value)");
    }
    if (!arg.startsWith("--") && arg.length() > 2 && !INITDB_TAKES_VALUE.contains(option)) {
      return Optional.of(show(arg) + ": write each short option as an item of its own");
    }
    return Optional.empty();
  }

  /** The directives that would make postgresql.conf read another file. */
  static final Set<String> INCLUDE_DIRECTIVES = Set.of("include", "include_dir", "include_if_exists");

  /** A peer name: it becomes application_name and, as pgc_&lt;name&gt;, a replication slot name. */
  static Optional<String> peerName(String name) {
    if (name.startsWith("-")) {
      return Optional.of("must not start with '-', got " + show(name));
    }
    if (name.length() > 59) {
      return Optional.of("must be at most 59 characters (its replication slot pgc_<name> must fit in 63), got " + name.length());
    }
    return Optional.empty();
  }
}
