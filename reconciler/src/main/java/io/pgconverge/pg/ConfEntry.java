package io.pgconverge.pg;

import java.util.Objects;

/**
 * One {@code name = value} line of postgresql.conf or postgresql.auto.conf.
 *
 * @param name the setting name, lower-cased (PostgreSQL matches names case-insensitively)
 * @param value the value as the server sees it: quotes removed and escapes resolved
 * @param line the 1-based line number in the file
 */
public record ConfEntry(String name, String value, int line) {
  public ConfEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }
}
