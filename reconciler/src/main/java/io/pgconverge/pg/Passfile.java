package io.pgconverge.pg;

/**
 * A libpq password file ({@code ~/.pgpass} format): {@code host:port:database:user:password}, with
 * {@code :} and {@code \} escaped by a backslash. Has no side effects.
 */
public final class Passfile {
  private Passfile() {}

  /** One line that matches any database (so also physical replication) on host:port for user. */
  public static String render(String host, int port, String user, String password) {
    return escape(host) + ":" + port + ":*:" + escape(user) + ":" + escape(password) + "\n";
  }

  /** One line per user, all with the same password (the replication user and the rewind user). */
  public static String render(String host, int port, java.util.List<String> users, String password) {
    StringBuilder sb = new StringBuilder();
    for (String user : users) {
      sb.append(render(host, port, user, password));
    }
    return sb.toString();
  }

  static String escape(String field) {
    return field.replace("\\", "\\\\").replace(":", "\\:");
  }
}
