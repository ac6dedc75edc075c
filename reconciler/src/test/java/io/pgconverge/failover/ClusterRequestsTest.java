package io.pgconverge.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.failover.ClusterRequests.ClusterState;
import io.pgconverge.failover.ClusterRequests.Preferred;
import io.pgconverge.failover.ClusterRequests.PreferredChange;
import io.pgconverge.failover.FailoverFacts.Member;
import io.pgconverge.failover.FailoverFacts.Request;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What an operator may ask of a three-member cluster node1/node2/node3 (node1 the leader unless
 * said otherwise, node3 failover_priority 0 where a test says so), and what a pushed file's
 * preferred primary fires.
 */
class ClusterRequestsTest {
  private static final List<String> PEERS = List.of("node1", "node2", "node3");
  private static final long MB = 1024 * 1024;

  private static FailoverSpec spec(Map<String, Integer> priorities) {
    return new FailoverSpec(FailoverSpec.Mode.ETCD, Optional.empty(), Duration.ofSeconds(30), Duration.ofSeconds(10),
        Duration.ofSeconds(10), MB, false, priorities);
  }

  private static final FailoverSpec SPEC = spec(Map.of());

  /** A cluster whose three members publish their keys, on timeline 1 at the same LSN. */
  private static final class Keys {
    Optional<String> leader = Optional.of("node1");
    Map<String, Member> members = new HashMap<>(Map.of(
        "node1", new Member("primary", 1, 100 * MB), "node2", new Member("replica", 1, 100 * MB),
        "node3", new Member("replica", 1, 100 * MB)));
    Optional<String> pause = Optional.empty();
    Optional<List<String>> sync = Optional.empty();
    boolean initialized = true;

    ClusterState state() {
      return new ClusterState(leader, members, pause, Optional.empty(), Optional.empty(), sync, initialized);
    }
  }

  @Test
  void aSwitchoverToAHealthyReplicaOfTheLeaderIsAllowed() {
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, new Keys().state(), "node2", Optional.empty())).isEmpty();
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, new Keys().state(), "node2", Optional.of("node1"))).isEmpty();
  }

  @Test
  void aSwitchoverWithoutALeaderPointsToFailover() {
    Keys k = new Keys();
    k.leader = Optional.empty();
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, k.state(), "node2", Optional.empty()))
        .hasValueSatisfying(r -> assertThat(r).contains("nobody holds the leader key", "pgconverge failover --to node2"));
  }

  @Test
  void aSwitchoverToTheLeaderItselfOrFromAnotherThanTheLeaderIsRefused() {
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, new Keys().state(), "node1", Optional.empty()))
        .hasValue("node1 is the leader already");
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, new Keys().state(), "node2", Optional.of("node3")))
        .hasValue("--from node3: the leader is node1, not node3");
  }

  @Test
  void aCandidateThatIsNoPeerHasPriorityZeroNoMemberKeyOrAStoppedServerIsRefused() {
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, new Keys().state(), "node9", Optional.empty()))
        .hasValueSatisfying(r -> assertThat(r).startsWith("node9 is not a peer of the desired state"));
    assertThat(ClusterRequests.refuseSwitchover(spec(Map.of("node3", 0)), PEERS, new Keys().state(), "node3", Optional.empty()))
        .hasValue("node3 has failover_priority 0: it is never promoted");
    Keys noKey = new Keys();
    noKey.members.remove("node2");
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, noKey.state(), "node2", Optional.empty()))
        .hasValueSatisfying(r -> assertThat(r).contains("node2 has no member key"));
    Keys stopped = new Keys();
    stopped.members.put("node2", new Member("stopped", 0, 0));
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, stopped.state(), "node2", Optional.empty()))
        .hasValue("node2's member key says its server does not run");
  }

  @Test
  void nothingIsRequestedWhilePaused() {
    Keys k = new Keys();
    k.pause = Optional.of("by root@ops at 2026-12-02T03:00:00Z");
    assertThat(ClusterRequests.refuseSwitchover(SPEC, PEERS, k.state(), "node2", Optional.empty()))
        .hasValueSatisfying(r -> assertThat(r).contains("paused (by root@ops", "pgconverge resume"));
    k.leader = Optional.empty();
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, k.state(), "node2", false, false))
        .hasValueSatisfying(r -> assertThat(r).contains("paused"));
  }

  @Test
  void aFailoverIsRefusedWhileAMemberHoldsTheLeaderKeyAndBeforeTheClusterIsInitialized() {
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, new Keys().state(), "node2", false, false))
        .hasValueSatisfying(r -> assertThat(r).contains("node1 holds the leader key", "pgconverge switchover --to node2"));
    Keys k = new Keys();
    k.leader = Optional.empty();
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, k.state(), "node2", false, false)).isEmpty();
    k.initialized = false;
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, k.state(), "node2", false, false))
        .hasValueSatisfying(r -> assertThat(r).contains("not initialized"));
  }

  @Test
  void underSynchronousReplicationOnlyAMemberOfTheSyncKeyIsAFailoverTargetUnlessDataLossIsAllowed() {
    Keys k = new Keys();
    k.leader = Optional.empty();
    k.sync = Optional.of(List.of("node3"));
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, k.state(), "node2", true, false))
        .hasValueSatisfying(r -> assertThat(r).contains("node2 is not a synchronous standby", "lists node3", "--allow-data-loss"));
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, k.state(), "node2", true, true)).isEmpty();
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, k.state(), "node3", true, false)).isEmpty();
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, k.state(), "node2", false, false))
        .as("asynchronous: a sync key left over means nothing").isEmpty();
    k.sync = Optional.empty();
    assertThat(ClusterRequests.refuseFailover(SPEC, PEERS, k.state(), "node2", true, false))
        .as("no sync key yet: nothing to hold against the candidate").isEmpty();
  }

  @Test
  void theFirstFileCreatesTheConfigAtGenerationZeroAndFiresNothing() {
    assertThat(ClusterRequests.preferredPrimary(SPEC, Optional.empty(), "node1", Optional.empty(), Optional.of("node1")))
        .isEqualTo(new PreferredChange.Bootstrap(new Preferred("node1", 0)));
  }

  @Test
  void aRePushOfTheSamePreferredPrimaryFiresNothing() {
    Preferred c = new Preferred("node1", 4);
    assertThat(ClusterRequests.preferredPrimary(SPEC, Optional.of(c), "node1", Optional.empty(), Optional.of("node2")))
        .as("even though node2 holds the key now (a switchover by command): the file is not enforced again")
        .isEqualTo(new PreferredChange.Unchanged(c));
  }

  @Test
  void aNewPreferredPrimaryFiresOneSwitchoverFromTheLeaderAtTheNextGeneration() {
    PreferredChange p = ClusterRequests.preferredPrimary(SPEC, Optional.of(new Preferred("node1", 4)), "node2", Optional.of("node1"),
        Optional.of("node1"));
    assertThat(p).isInstanceOfSatisfying(PreferredChange.Changed.class, c -> {
      assertThat(c.config()).isEqualTo(new Preferred("node2", 5));
      assertThat(c.request()).hasValue(new Request(Request.Kind.SWITCHOVER, Optional.of("node1"), "node2", 5));
    });
  }

  @Test
  void aNewPreferredPrimaryThatLeadsAlreadyOrHasPriorityZeroOnlyMovesTheConfig() {
    PreferredChange leads = ClusterRequests.preferredPrimary(SPEC, Optional.of(new Preferred("node1", 0)), "node2", Optional.empty(),
        Optional.of("node2"));
    assertThat(leads).isInstanceOfSatisfying(PreferredChange.Changed.class, c -> {
      assertThat(c.config()).isEqualTo(new Preferred("node2", 1));
      assertThat(c.request()).isEmpty();
      assertThat(c.reason()).contains("holds the leader key already");
    });
    PreferredChange never = ClusterRequests.preferredPrimary(spec(Map.of("node3", 0)), Optional.of(new Preferred("node1", 0)), "node3",
        Optional.empty(), Optional.of("node1"));
    assertThat(never).isInstanceOfSatisfying(PreferredChange.Changed.class, c -> assertThat(c.request()).isEmpty());
  }

  @Test
  void aDaemonWhoseOwnFileDidNotChangeThePreferredPrimaryFiresNothingAgainstANewerConfig() {
    Preferred newer = new Preferred("node2", 1);
    assertThat(ClusterRequests.preferredPrimary(SPEC, Optional.of(newer), "node1", Optional.of("node1"), Optional.of("node2")))
        .as("a host that still has the old file does not switch the cluster back").isEqualTo(new PreferredChange.Unchanged(newer));
  }

  @Test
  void whyARequestIsNotCarriedOutComesFromTheCandidatesMemberKey() {
    Keys k = new Keys();
    k.members.put("node2", new Member("replica", 1, 90 * MB));
    assertThat(ClusterRequests.notYet(SPEC, k.state(), "node2")).contains("10485760 bytes behind the leader node1", "maximum_lag");
    k.members.put("node2", new Member("replica", 2, 100 * MB));
    assertThat(ClusterRequests.notYet(SPEC, k.state(), "node2")).contains("the leader node1 is on timeline 1");
    k.members.remove("node2");
    assertThat(ClusterRequests.notYet(SPEC, k.state(), "node2")).contains("node2 has no member key");
  }
}
