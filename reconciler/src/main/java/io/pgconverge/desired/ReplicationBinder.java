package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import io.pgconverge.desired.PeersBinder.PeerFacts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds the {@code replication} section (required as soon as one peer is a replica) and checks
 * that its user is a listed role with login and replication.
 */
final class ReplicationBinder {
  private final Binding b;
  private final Scalars v;

  ReplicationBinder(Binding b, Scalars v) {
    this.b = b;
    this.v = v;
  }

  /** The replication section; empty when absent (a problem when a peer is a replica) or wrong. */
  Optional<ReplicationSpec> replication(Section doc, List<PeerFacts> peers) {
    Optional<YamlNode> node = b.optional(doc, "replication");
    if (node.isEmpty()) {
      peers.stream()
          .filter(p -> p.role() == PeerRole.REPLICA)
          .findFirst()
          .ifPresent(
              replica -> {
                SourceLocation at = b.location("peers[" + replica.index() + "].role");
                b.problem(
                    at == null ? new SourceLocation(b.file(), 1, 1) : at,
                    "replication",
                    "required because peers["
                        + replica.index()
                        + "]"
                        + (replica.name() == null ? "" : " (" + replica.name() + ")")
                        + " is a replica: add a replication section with user and password_file");
              });
      return Optional.empty();
    }
    Optional<Section> section = b.subsection(doc, "replication", node.get(), DesiredStateKeys.REPLICATION);
    if (section.isEmpty()) {
      return Optional.empty();
    }
    Section s = section.get();
    String user = b.required(s, "user").map(n -> v.string(n, "replication.user", ValueGrammar::roleName)).orElse(null);
    Path passwordFile =
        b.required(s, "password_file").map(n -> v.absolutePath(n, "replication.password_file")).orElse(null);
    Optional<YamlNode> slotsNode = b.optional(s, "slots");
    Boolean slots = slotsNode.isPresent() ? v.bool(slotsNode.get(), "replication.slots") : Boolean.TRUE;
    Optional<YamlNode> syncNode = b.optional(s, "synchronous");
    Optional<SynchronousSpec> synchronous = Optional.empty();
    if (syncNode.isPresent()) {
      synchronous = synchronous(s, syncNode.get(), peers);
      if (synchronous.isEmpty()) {
        return Optional.empty();
      }
    }
    if (user == null || passwordFile == null || slots == null) {
      return Optional.empty();
    }
    return Optional.of(new ReplicationSpec(user, passwordFile, slots, synchronous));
  }

  /**
   * {@code replication.synchronous}: method any|first, number at least 1 and at most the eligible
   * standbys of the desired primary (peers without {@code nosync: true}, the primary itself left
   * out), strict true|false (default true). Empty when wrong (each problem reported).
   */
  private Optional<SynchronousSpec> synchronous(Section replication, YamlNode node, List<PeerFacts> peers) {
    String field = replication.field("synchronous");
    if (!(node instanceof YamlNode.Mapping)) {
      b.problem(node.location(), field,
          "must be a mapping {method: any|first, number: N, strict: true|false}, got " + node.describe()
              + "; there is no on/off: leave the section out for asynchronous replication");
      return Optional.empty();
    }
    Optional<Section> section = b.subsection(replication, "synchronous", node, DesiredStateKeys.SYNCHRONOUS);
    if (section.isEmpty()) {
      return Optional.empty();
    }
    Section s = section.get();
    SynchronousSpec.Method method = b.required(s, "method")
        .map(n -> v.oneOf(n, s.field("method"), SynchronousSpec.Method.class, SynchronousSpec.Method::yamlName))
        .orElse(null);
    Optional<YamlNode> numberNode = b.required(s, "number");
    Long number = numberNode.map(n -> v.wholeNumber(n, s.field("number"))).orElse(null);
    Optional<YamlNode> strictNode = b.optional(s, "strict");
    Boolean strict = strictNode.isPresent() ? v.bool(strictNode.get(), s.field("strict")) : Boolean.TRUE;
    if (method == null || number == null || strict == null) {
      return Optional.empty();
    }
    if (peers.stream().anyMatch(p -> p.name() == null || p.role() == null)) {
      return Optional.empty(); // a peer is wrong: reported already, and the count below would guess
    }
    List<String> eligible = peers.stream().filter(p -> !p.nosync()).map(PeerFacts::name).toList();
    long standbys = peers.stream().filter(p -> !p.nosync() && p.role() == PeerRole.REPLICA).count();
    SourceLocation at = numberNode.get().location();
    if (number < 1) {
      b.problem(at, s.field("number"), "must be 1 or more, got " + number
          + "; leave replication.synchronous out for asynchronous replication");
      return Optional.empty();
    }
    if (number > standbys) {
      b.problem(at, s.field("number"), "is " + number + ", but only " + standbys
          + " replica peer(s) may be synchronous (peers with nosync: true are left out); commits would wait forever");
      return Optional.empty();
    }
    return Optional.of(new SynchronousSpec(method, number.intValue(), strict, eligible));
  }

  /** The replication user must be listed under roles (at {@code indexByName}) with login and replication. */
  void checkRole(ReplicationSpec replication, List<RoleSpec> roles, Map<String, Integer> indexByName) {
    SourceLocation at = b.location("replication.user");
    Integer index = indexByName.get(replication.user());
    if (index == null) {
      b.problem(
          at,
          "replication.user",
          "role \""
              + replication.user()
              + "\" is not listed under roles; list it there with login: true and replication: true");
      return;
    }
    if (roles == null) {
      return; // some role failed to bind; its problems are reported already
    }
    RoleSpec role = roles.stream().filter(r -> r.index() == index).findFirst().orElseThrow();
    List<String> missing = new ArrayList<>();
    if (!role.login().equals(Optional.of(true))) {
      missing.add("login: true");
    }
    if (!role.replication().equals(Optional.of(true))) {
      missing.add("replication: true");
    }
    if (!missing.isEmpty()) {
      b.problem(
          at,
          "replication.user",
          "role \""
              + replication.user()
              + "\" (roles["
              + index
              + "]) must have "
              + String.join(" and ", missing)
              + " to be the replication user");
    }
  }
}
