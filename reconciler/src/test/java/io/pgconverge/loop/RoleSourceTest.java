package io.pgconverge.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateCache;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who is primary for a run: under failover.mode etcd the holder of the leader key, the file's
 * role: primary only the preferred primary; nobody holding it: nothing enforced before the cluster
 * is initialized or while it is paused, else only a stopped server started read-only.
 */
class RoleSourceTest {
  @TempDir Path dir;

  private DesiredState load(String self, String failover) throws Exception {
    Path file = dir.resolve(self + "-" + failover.hashCode() + ".yaml");
    Files.writeString(file, String.join("\n",
        "version: 1",
        "cluster: main",
        "self: " + self,
        "peers:",
        "  - {name: node1, host: 10.0.0.11, role: primary}",
        "  - {name: node2, host: 10.0.0.12, role: replica}",
        "  - {name: node3, host: 10.0.0.13, role: replica}",
        "postgres:",
        "  data: " + dir.resolve("main"),
        "  hba:",
        "    - local all postgres peer",
        "    - host replication replicator peers scram-sha-256",
        "roles:",
        "  - {name: replicator, login: true, replication: true}",
        "replication: {user: replicator, password_file: /etc/pgconverge/replicator.password}",
        failover,
        ""));
    LoadResult loaded = new DesiredStateCache().load(file, self);
    assertThat(loaded).as("%s", loaded).isInstanceOf(LoadResult.Valid.class);
    return ((LoadResult.Valid) loaded).state();
  }

  private static final String ETCD = "failover: {mode: etcd, etcd: {endpoints: [http://127.0.0.1:2379]}, ttl: 20s, loop_wait: 2s,"
      + " retry_timeout: 5s}";

  private static String roleOf(DesiredState d, String peer) {
    return d.peers().stream().filter(p -> p.name().equals(peer)).map(Peer::role).map(PeerRole::yamlName).findFirst().orElseThrow();
  }

  @Test
  void underFileModeTheFilesRolesAreEnforcedWhateverTheLeaderKeySays() throws Exception {
    DesiredState file = load("node2", "");
    RoleSource.Roles roles = RoleSource.fromLeader(file, Optional.of("node3"), true);
    assertThat(roles.effective()).containsSame(file);
    assertThat(roles.etcdRoles()).isFalse();
    assertThat(roles.context(false)).isEqualTo(new io.pgconverge.plan.PlanContext(false));
    assertThat(RoleSource.COMMAND.roles(file).effective()).containsSame(file);
  }

  @Test
  void underEtcdModeNobodyHoldingTheKeyMeansNoRolesAreEnforced() throws Exception {
    RoleSource.Roles roles = RoleSource.fromLeader(load("node1", ETCD), Optional.empty(), false);
    assertThat(roles.effective()).isEmpty();
    assertThat(roles.reason()).isEqualTo(
        "failover.mode etcd: no member holds the leader key yet; roles are not enforced until one does");
  }

  @Test
  void nobodyHoldingTheKeyOfAnInitializedClusterRunsThePassThatOnlyStartsAStoppedServerReadOnly() throws Exception {
    DesiredState file = load("node1", ETCD);
    RoleSource.Roles roles = RoleSource.fromLeader(file, Optional.empty(), false, true, false);
    assertThat(roles.effective()).as("the file's state; the leaderless pass does not look at its roles").containsSame(file);
    assertThat(roles.nobodyHoldsLeaderKey()).isTrue();
    assertThat(roles.holdsLeaderKey()).isFalse();
    assertThat(roles.context(true)).isEqualTo(io.pgconverge.plan.PlanContext.leaderless(true));
    assertThat(roles.reason()).contains("nobody holds the leader key").contains("started read-only")
        .contains("so it can be a candidate");
  }

  @Test
  void nobodyHoldingTheKeyBeforeTheClusterIsInitializedLeavesItToTheBootstrapAsBefore() throws Exception {
    RoleSource.Roles roles = RoleSource.fromLeader(load("node1", ETCD), Optional.empty(), false, false, false);
    assertThat(roles.effective()).isEmpty();
    assertThat(roles.nobodyHoldsLeaderKey()).isFalse();
    assertThat(roles.reason()).isEqualTo(
        "failover.mode etcd: no member holds the leader key yet; roles are not enforced until one does");
  }

  @Test
  void nobodyHoldingTheKeyOfAPausedClusterStartsNothing() throws Exception {
    RoleSource.Roles roles = RoleSource.fromLeader(load("node2", ETCD), Optional.empty(), false, true, true);
    assertThat(roles.effective()).isEmpty();
    assertThat(roles.nobodyHoldsLeaderKey()).isFalse();
    assertThat(roles.reason()).contains("paused").contains("nothing is started");
  }

  @Test
  void aKeyHeldByAnotherMemberOfAnInitializedClusterEnforcesItsRolesAsBefore() throws Exception {
    DesiredState file = load("node2", ETCD);
    RoleSource.Roles roles = RoleSource.fromLeader(file, Optional.of("node3"), false, true, false);
    assertThat(roles.effective()).hasValueSatisfying(d -> assertThat(d.primary().name()).isEqualTo("node3"));
    assertThat(roles.nobodyHoldsLeaderKey()).isFalse();
    assertThat(roles.context(false)).isEqualTo(new io.pgconverge.plan.PlanContext(false, true, false));
    assertThat(RoleSource.fromLeader(file, Optional.of("node3"), false, true, true).effective())
        .as("paused with a holder: the holder's roles, as before").isPresent();
  }

  @Test
  void underEtcdModeTheHolderOfTheKeyIsThePrimaryAndEveryOtherPeerAReplica() throws Exception {
    DesiredState file = load("node1", ETCD);
    RoleSource.Roles roles = RoleSource.fromLeader(file, Optional.of("node3"), false);
    DesiredState effective = roles.effective().orElseThrow();
    assertThat(effective.primary().name()).isEqualTo("node3");
    assertThat(roleOf(effective, "node1")).isEqualTo("replica");
    assertThat(roleOf(effective, "node2")).isEqualTo("replica");
    assertThat(file.primary().name()).as("the file's preferred primary is kept").isEqualTo("node1");
    assertThat(roles.context(false)).isEqualTo(new io.pgconverge.plan.PlanContext(false, true, false));
  }

  @Test
  void onlyTheHolderItselfCountsAsHoldingTheKey() throws Exception {
    DesiredState node2 = load("node2", ETCD);
    assertThat(RoleSource.fromLeader(node2, Optional.of("node2"), true).holdsLeaderKey()).isTrue();
    assertThat(RoleSource.fromLeader(node2, Optional.of("node2"), false).holdsLeaderKey())
        .as("the key names us but our deadline passed").isFalse();
    assertThat(RoleSource.fromLeader(node2, Optional.of("node1"), true).holdsLeaderKey()).isFalse();
    assertThat(RoleSource.fromLeader(node2, Optional.of("node1"), true).effective()).hasValueSatisfying(
        d -> assertThat(d).as("node1 is the file's primary already: the state itself").isSameAs(node2));
  }

  @Test
  void aLeaderThatIsNotAPeerEnforcesNothing() throws Exception {
    RoleSource.Roles roles = RoleSource.fromLeader(load("node2", ETCD), Optional.of("node9"), false);
    assertThat(roles.effective()).isEmpty();
    assertThat(roles.reason()).contains("node9").contains("not a peer");
  }

  @Test
  void applyAndCheckEnforceNoRolesUnderEtcdModeOnlyTheDaemonFollowsTheKey() throws Exception {
    RoleSource.Roles roles = RoleSource.COMMAND.roles(load("node1", ETCD));
    assertThat(roles.effective()).isEmpty();
    assertThat(roles.reason()).contains("only the daemon");
  }

  @Test
  void aPushedFileThatOnlyMovesRolePrimaryKeepsTheFailoverLoopAndItsLease() throws Exception {
    DesiredState before = load("node2", ETCD);
    DesiredState preferredNode3 = before.withPrimary("node3");
    assertThat(io.pgconverge.failover.runtime.FailoverLoop.identity(preferredNode3))
        .as("the preferred primary changed: a switchover request, not a new loop (which would revoke the lease)")
        .isEqualTo(io.pgconverge.failover.runtime.FailoverLoop.identity(before));
    DesiredState otherEtcd = load("node2", ETCD.replace("ttl: 20s", "ttl: 30s"));
    assertThat(io.pgconverge.failover.runtime.FailoverLoop.identity(otherEtcd))
        .isNotEqualTo(io.pgconverge.failover.runtime.FailoverLoop.identity(before));
  }
}
