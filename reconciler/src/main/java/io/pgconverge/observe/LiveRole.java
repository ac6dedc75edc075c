package io.pgconverge.observe;

import java.util.Optional;

/**
 * One role from pg_authid. The stored password verifier is a secret: it is never printed, and
 * {@link #toString()} masks it.
 */
public record LiveRole(
    String name,
    boolean login,
    boolean replication,
    boolean superuser,
    boolean createdb,
    boolean createrole,
    int connectionLimit,
    Optional<String> verifier) {

  @Override
  public String toString() {
    return "LiveRole[" + name + ", login=" + login + ", replication=" + replication
        + ", superuser=" + superuser + ", createdb=" + createdb + ", createrole=" + createrole
        + ", connectionLimit=" + connectionLimit + ", verifier=" + (verifier.isPresent() ? "****" : "none") + "]";
  }
}
