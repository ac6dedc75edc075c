package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import io.pgconverge.desired.YamlNode.Mapping;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.ScalarKind;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Validates a {@link YamlNode} tree against the version-1 desired-state format and binds it into
 * a {@link DesiredState}. Has no side effects.
 *
 * <p>The algorithm:
 *
 * <ol>
 *   <li>Bind each section on its own (version, cluster, self here; peers, postgres, roles,
 *       replication, policy, schedule each by its section binder): check its keys, their types
 *       and ranges, and record where every field was written ({@link Binding}). A field that
 *       fails is left out and binding goes on, so one run reports every problem, not only the
 *       first.
 *   <li>Check what spans sections: exactly one primary; {@code self} names a peer; settings
 *       pgconverge owns are not in {@code postgres.settings}; a replica needs a {@code
 *       replication} section whose user is a listed login+replication role; and the reconciler
 *       cannot lock itself out (a local hba line that lets {@code postgres.user} in by peer or
 *       trust, and that role is not stripped of login or superuser).
 *   <li>No problem: a {@link LoadResult.Valid}. Otherwise a {@link LoadResult.Invalid} with the
 *       problems in file order.
 * </ol>
 *
 * <p>A new top-level section is one more binder class beside these (it takes the {@link Binding}
 * and {@link Scalars}, and may read {@link PeersBinder#facts()}), its key in {@link
 * DesiredStateKeys#TOP}, one line in {@link #bind(YamlNode)} where the sections are bound, and a
 * field of {@link DesiredState}; a new per-peer key is bound in {@code PeersBinder.peer}.
 */
final class DesiredStateBinder {
  private final Binding b;
  private final Scalars v;
  private final String defaultSelf;
  private final PeersBinder peersBinder;
  private final PostgresBinder postgresBinder;
  private final RolesBinder rolesBinder;
  private final ReplicationBinder replicationBinder;
  private final PolicyBinder policyBinder;
  private final ScheduleBinder scheduleBinder;

  private DesiredStateBinder(Binding b, String defaultSelf, HbaParser hbaParser) {
    this.b = b;
    this.v = new Scalars(b);
    this.defaultSelf = defaultSelf;
    this.peersBinder = new PeersBinder(b, v);
    this.postgresBinder = new PostgresBinder(b, v, hbaParser);
    this.rolesBinder = new RolesBinder(b, v);
    this.replicationBinder = new ReplicationBinder(b, v);
    this.policyBinder = new PolicyBinder(b, v);
    this.scheduleBinder = new ScheduleBinder(b, v);
  }

  /**
   * Binds {@code root}, read from {@code file}; {@code earlier} holds problems already found while
   * reading the YAML (duplicate keys), which make the result invalid too.
   */
  static LoadResult bind(
      YamlNode root, Path file, String defaultSelf, HbaParser hbaParser, List<Problem> earlier) {
    return new DesiredStateBinder(new Binding(file, earlier), defaultSelf, hbaParser).bind(root);
  }

  private LoadResult bind(YamlNode root) {
    SourceLocation start = new SourceLocation(b.file(), 1, 1);
    if (!(root instanceof Mapping top)) {
      b.problem(
          root.location(),
          "",
          "the file must be a mapping with the keys version, cluster, peers and postgres, got "
              + root.describe());
      return b.result(null);
    }
    Section doc = new Section(top, "", start);
    b.checkKeys(doc, DesiredStateKeys.TOP);

    // 1. Each section on its own, in the order of the file format's documentation.
    Integer version = version(doc);
    String cluster = b.required(doc, "cluster").map(n -> clusterName(n, "cluster")).orElse(null);
    Optional<YamlNode> selfNode = b.optional(doc, "self");
    String self = selfNode.map(n -> peersBinder.peerName(n, "self")).orElse(selfNode.isEmpty() ? defaultSelf : null);
    List<Peer> peers = peersBinder.peers(doc);
    Integer selfIndex = peersBinder.checkSelf(doc, selfNode.isPresent(), self);
    peersBinder.checkOnePrimary(doc);
    PostgresSpec postgres = postgresBinder.postgres(doc);
    List<RoleSpec> roles = rolesBinder.roles(doc);
    Optional<ReplicationSpec> replication = replicationBinder.replication(doc, peersBinder.facts());
    Policy policy = policyBinder.policy(doc);
    Schedule schedule = scheduleBinder.schedule(doc);
    FailoverSpec failover = b.failover(top);

    // 2. What spans sections.
    postgresBinder.checkAcrossSections(selfIndex);
    rolesBinder.checkKeepReconcilerIn(roles, postgresBinder.user());
    replication.ifPresent(r -> replicationBinder.checkRole(r, roles, rolesBinder.indexByName()));

    // 3. The result.
    if (b.hasProblems()
        || version == null
        || cluster == null
        || self == null
        || peers == null
        || postgres == null
        || roles == null
        || policy == null
        || schedule == null
        || failover == null) {
      if (!b.hasProblems()) {
        throw new IllegalStateException("a field failed to bind without a problem: " + b.file());
      }
      return b.result(null);
    }
    return b.result(
        new DesiredState(
            b.file(),
            version,
            cluster,
            self,
            peers,
            postgres,
            roles,
            replication,
            policy,
            b.locations(),
            schedule,
            failover));
  }

  private Integer version(Section doc) {
    return b.required(doc, "version")
        .map(
            n -> {
              if (n instanceof Scalar s && s.kind() == ScalarKind.INTEGER && Scalars.isDecimal(s.text())) {
                if (s.text().replaceFirst("^\\+", "").equals("1")) {
                  return 1;
                }
                b.problem(
                    s.location(),
                    "version",
                    "unsupported version " + s.text() + "; this pgconverge reads version 1");
                return null;
              }
              b.problem(n.location(), "version", "must be the number 1, got " + n.describe());
              return null;
            })
        .orElse(null);
  }

  private String clusterName(YamlNode node, String field) {
    String name = v.string(node, field);
    if (name != null && (name.length() > 63 || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f))) {
      b.problem(
          node.location(),
          field,
          "must be at most 63 printable ASCII characters (it is also PostgreSQL's cluster_name), got \""
              + name
              + "\"");
      return null;
    }
    return name;
  }
}
