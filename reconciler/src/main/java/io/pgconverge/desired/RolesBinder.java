package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.Sequence;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds the optional {@code roles} list (each role listed once; an attribute left out is not
 * managed) and checks that {@code postgres.user}, the role pgconverge connects as, keeps login
 * and superuser.
 */
final class RolesBinder {
  private final Binding b;
  private final Scalars v;
  private final Map<String, Integer> indexByName = new HashMap<>();

  RolesBinder(Binding b, Scalars v) {
    this.b = b;
    this.v = v;
  }

  /** The list index of each role name that was bound, for the replication user's check. */
  Map<String, Integer> indexByName() {
    return indexByName;
  }

  /** The roles, empty when the key is absent; null when the list or any role in it is wrong. */
  List<RoleSpec> roles(Section doc) {
    Optional<YamlNode> node = b.optional(doc, "roles");
    if (node.isEmpty()) {
      return List.of();
    }
    Sequence list = b.sequence(node.get(), "roles", false);
    if (list == null) {
      return null;
    }
    return b.eachMapping(list, "roles", DesiredStateKeys.ROLE, this::role);
  }

  private RoleSpec role(Section s, int i) {
    int problemsBefore = b.problemCount();
    String name = b.required(s, "name").map(n -> v.string(n, s.field("name"), ValueGrammar::roleName)).orElse(null);
    name = b.unique(name, i, indexByName, s,
        (dup, first) -> "role \"" + dup + "\" is already listed as roles[" + first + "]; list each role once");
    Optional<Boolean> login = v.optionalBoolean(s, "login");
    Optional<Boolean> replication = v.optionalBoolean(s, "replication");
    Optional<Boolean> superuser = v.optionalBoolean(s, "superuser");
    Optional<Boolean> createdb = v.optionalBoolean(s, "createdb");
    Optional<Boolean> createrole = v.optionalBoolean(s, "createrole");
    Optional<Integer> limit =
        b.optional(s, "connection_limit").map(n -> connectionLimit(n, s.field("connection_limit")));
    Optional<Path> passwordFile =
        b.optional(s, "password_file").map(n -> v.absolutePath(n, s.field("password_file")));
    if (name == null || b.problemCount() > problemsBefore) {
      return null;
    }
    return new RoleSpec(i, name, login, replication, superuser, createdb, createrole, limit, passwordFile);
  }

  private Integer connectionLimit(YamlNode node, String field) {
    Long n = v.wholeNumber(node, field);
    if (n == null) {
      return null;
    }
    if (n < -1 || n > Integer.MAX_VALUE) {
      b.problem(node.location(), field, "must be -1 (no limit) or more, got " + ((Scalar) node).text());
      return null;
    }
    return n.intValue();
  }

  /** {@code user} (postgres.user) must not be listed with login: false or superuser: false. */
  void checkKeepReconcilerIn(List<RoleSpec> roles, String user) {
    if (roles == null || user == null) {
      return;
    }
    for (RoleSpec role : roles) {
      if (!role.name().equals(user)) {
        continue;
      }
      for (String attribute : List.of("login", "superuser")) {
        Optional<Boolean> value = attribute.equals("login") ? role.login() : role.superuser();
        if (value.equals(Optional.of(false))) {
          String field = role.field(attribute);
          b.problem(
              b.location(field),
              field,
              "\""
                  + user
                  + "\" is postgres.user, the role pgconverge connects as; with "
                  + attribute
                  + ": false it would lock itself out");
        }
      }
    }
  }
}
