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

  static String escape(String field) {
    return field.replace("\\", "\\\\").replace(":", "\\:");
  }
}
