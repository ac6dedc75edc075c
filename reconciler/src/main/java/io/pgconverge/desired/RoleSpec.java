package io.pgconverge.desired;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A database role as listed under {@code roles}. An attribute left out of the file is empty and
 * is not managed: the reconciler leaves the role's current value alone. {@code index} is the
 * role's position in the list, for messages ({@code roles[2].login}).
 */
public record RoleSpec(
    int index,
    String name,
    Optional<Boolean> login,
    Optional<Boolean> replication,
    Optional<Boolean> superuser,
    Optional<Boolean> createdb,
    Optional<Boolean> createrole,
    Optional<Integer> connectionLimit,
    Optional<Path> passwordFile) {

  public String field(String attribute) {
    return "roles[" + index + "]." + attribute;
  }
}
