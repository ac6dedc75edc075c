package io.pgconverge.pg;

/**
 * Quoting for SQL text built by the reconciler (role names, passwords as verifiers, setting
 * values for {@code ALTER SYSTEM}).
 *
 * <p>Literals assume {@code standard_conforming_strings = on} (the default since PostgreSQL 9.1
 * and what the JDBC driver expects): inside {@code '...'} a backslash is an ordinary character,
 * so only {@code '} needs doubling. Do not send these literals to a server with it off.
 */
public final class Sql {
  private Sql() {}

  /** {@code name} as a double-quoted identifier with {@code "} doubled. Has no side effects. */
  public static String ident(String name) {
    requireNoNul(name);
    if (name.isEmpty()) {
      throw new IllegalArgumentException("an identifier cannot be empty");
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** {@code value} as a single-quoted literal with {@code '} doubled. Has no side effects. */
  public static String literal(String value) {
    requireNoNul(value);
    return '\'' + value.replace("'", "''") + '\'';
  }

  private static void requireNoNul(String s) {
    if (s.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("PostgreSQL text cannot contain a NUL character");
    }
  }
}
