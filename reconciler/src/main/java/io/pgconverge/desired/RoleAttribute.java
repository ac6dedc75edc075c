package io.pgconverge.desired;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The boolean role attributes a {@code roles} entry may manage, each with its field and its SQL
 * keyword: the one mapping from {@code login: false} to {@code NOLOGIN}, used to create a role and
 * to alter one that drifted. Has no side effects.
 */
public enum RoleAttribute {
  LOGIN("login", RoleSpec::login),
  REPLICATION("replication", RoleSpec::replication),
  SUPERUSER("superuser", RoleSpec::superuser),
  CREATEDB("createdb", RoleSpec::createdb),
  CREATEROLE("createrole", RoleSpec::createrole);

  private final String field;
  private final Function<RoleSpec, Optional<Boolean>> wanted;

  RoleAttribute(String field, Function<RoleSpec, Optional<Boolean>> wanted) {
    this.field = field;
    this.wanted = wanted;
  }

  /** Its key under a {@code roles} entry. */
  public String field() {
    return field;
  }

  /** What {@code spec} asks for; empty when the attribute is left out (not managed). */
  public Optional<Boolean> wanted(RoleSpec spec) {
    return wanted.apply(spec);
  }

  /** {@code LOGIN} for true, {@code NOLOGIN} for false. */
  public String clause(boolean value) {
    return (value ? "" : "NO") + name();
  }

  /** The clauses of CREATE ROLE for {@code spec}: each listed attribute, then its connection limit. */
  public static List<String> createClauses(RoleSpec spec) {
    List<String> c = new ArrayList<>();
    for (RoleAttribute a : values()) {
      a.wanted(spec).ifPresent(v -> c.add(a.clause(v)));
    }
    spec.connectionLimit().ifPresent(v -> c.add("CONNECTION LIMIT " + v));
    return c;
  }
}
