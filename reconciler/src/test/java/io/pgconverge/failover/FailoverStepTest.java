package io.pgconverge.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.failover.FailoverDecision.Bootstrap;
import io.pgconverge.failover.FailoverDecision.Demote;
import io.pgconverge.failover.FailoverDecision.Failsafe;
import io.pgconverge.failover.FailoverDecision.Follow;
import io.pgconverge.failover.FailoverDecision.Promote;
import io.pgconverge.failover.FailoverDecision.Release;
import io.pgconverge.failover.FailoverDecision.Renew;
import io.pgconverge.failover.FailoverDecision.StepDown;
import io.pgconverge.failover.FailoverDecision.TakeAsPrimary;
import io.pgconverge.failover.FailoverDecision.TakeThenPromote;
import io.pgconverge.failover.FailoverDecision.Wait;
import io.pgconverge.failover.FailoverFacts.EtcdView;
import io.pgconverge.failover.FailoverFacts.History;
import io.pgconverge.failover.FailoverFacts.Hold;
import io.pgconverge.failover.FailoverFacts.Local;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import io.pgconverge.failover.FailoverFacts.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Every branch of the failover decision, the way Patroni's test_ha.py walks its state machine:
 * a three-node cluster node1/node2/node3 seen from node2 unless said otherwise, ttl 10s,
 * maximum_lag 1MB.
 */
class FailoverStepTest {
  private static final long MB = 1024 * 1024;
  private static final long NOW = 1_000_000_000_000L;

  /** The facts of one loop, changed step by step by each test. */
  private static final class Loop {
    String self = "node2";
    String preferred = "node1";
    Optional<String> leader = Optional.empty();
    Optional<History> history = Optional.of(new History(1, "node1"));
    boolean paused;
    Optional<Request> request = Optional.empty();
    Optional<String> initializedBy = Optional.of("node1");
    OptionalLong lastPrimaryLsn = OptionalLong.of(100 * MB);
    long raftTerm = 7;
    long highestRaftTermSeen = 7;
    String unavailable;
    Local local = replica(1, 100 * MB);
    List<PeerPoll> peers = new ArrayList<>();
    Optional<Hold> hold = Optional.empty();
    boolean failsafe;
    Map<String, Integer> priorities = Map.of("node1", 1, "node2", 1, "node3", 1);
    Optional<SynchronousSpec> synchronous = Optional.empty();
    Optional<List<String>> sync = Optional.empty();

    /** node1, writable on timeline 1: the primary the others stream from. */
    static Loop fromNode1Writable() {
      Loop l = new Loop();
      l.self = "node1";
      l.local = primary(1, 100 * MB);
      return l;
    }

    /** node1 as above, holding the leader key. */
    static Loop fromNode1Leader() {
      Loop l = fromNode1Writable();
      l.leader = Optional.of("node1");
      return l;
    }

    /** node1 as above, etcd unavailable, with a lease whose deadline has just passed. */
    static Loop fromNode1CutFromEtcd() {
      Loop l = fromNode1Writable();
      l.unavailable = "connection refused";
      l.hold = Optional.of(new Hold(NOW - 1));
      return l;
    }

    Loop peer(PeerPoll p) {
      peers.add(p);
      return this;
    }

    FailoverDecision decide() {
      FailoverSpec spec = new FailoverSpec(FailoverSpec.Mode.ETCD, Optional.empty(), Duration.ofSeconds(10), Duration.ofSeconds(2),
          Duration.ofSeconds(3), MB, failsafe, priorities);
      EtcdView view = unavailable != null ? new EtcdView.Unavailable(unavailable)
          : new EtcdView.Answered(leader, Map.of(), history, paused, request, initializedBy, lastPrimaryLsn, raftTerm, highestRaftTermSeen,
              sync);
      return FailoverStep.decide(spec, synchronous, new FailoverFacts(self, preferred, view, local, peers, hold, NOW));
    }
  }

  private static Local replica(long timeline, long lsn) {
    return new Local(true, false, timeline, lsn);
  }

  private static Local primary(long timeline, long lsn) {
    return new Local(true, true, timeline, lsn);
  }

  private static PeerPoll replicaPeer(String name, long timeline, long lsn, String upstream) {
    return new PeerPoll(name, true, false, timeline, lsn, 1, Optional.ofNullable(upstream));
  }

  private static PeerPoll primaryPeer(String name, long timeline, long lsn) {
    return new PeerPoll(name, true, true, timeline, lsn, 1, Optional.empty());
  }

  // --- the leader

  @Test
  void theLeaderWhoseServerIsWritableRenews() {
    Loop l = Loop.fromNode1Leader();

    assertThat(l.decide()).isInstanceOf(Renew.class);
  }

  @Test
  void theLeaderWhoseServerIsStillInRecoveryPromotesIt() {
    Loop l = new Loop();
    l.leader = Optional.of("node2");

    assertThat(l.decide()).isInstanceOf(Promote.class);
  }

  @Test
  void theLeaderWhoseServerIsDownWaitsForTheDaemonToStartItAndKeepsTheKeyOnlyIfItIsWritableSoon() {
    Loop l = new Loop();
    l.self = "node1";
    l.leader = Optional.of("node1");
    l.local = Local.STOPPED;

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("the daemon starts it again").contains("writable again within ttl - retry_timeout");
  }

  @Test
  void aLeaderKeyHeldAsALaggingReplicaIsLetGoInsteadOfPromoted() {
    Loop l = new Loop();
    l.leader = Optional.of("node2");
    l.local = replica(1, 90 * MB);

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Release.class);
    assertThat(d.reason()).contains("10485760 bytes behind");
  }

  // --- stale primaries

  @Test
  void lostTheLeaderKeyDuringPromotionDemotesAtOnce() {
    Loop l = new Loop();
    l.leader = Optional.of("node3"); // our renewal after pg_promote found node3's key
    l.local = primary(2, 100 * MB);

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Demote.class);
    assertThat(d.reason()).startsWith("node3 holds the leader key");
  }

  @Test
  void aFrozenFormerPrimaryThatWakesUpBehindTheHistoryDemotesEvenWithTheKeyFree() {
    Loop l = Loop.fromNode1Writable();
    l.history = Optional.of(new History(2, "node2")); // node2 was promoted while node1 was frozen

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Demote.class);
    assertThat(d.reason()).contains("node2 became primary on timeline 2").contains("timeline 1");
  }

  @Test
  void aWritableServerThatIsNotTheLastPrimaryOnRecordDemotes() {
    Loop l = new Loop();
    l.local = primary(1, 100 * MB); // node2 writable on node1's timeline: someone promoted it by hand

    assertThat(l.decide()).isInstanceOf(Demote.class);
  }

  @Test
  void thePrimaryOfTheCurrentTimelineTakesAFreeKeyBackWithoutPromoting() {
    assertThat(Loop.fromNode1Writable().decide()).isInstanceOf(TakeAsPrimary.class);
  }

  @Test
  void aReplicaFollowsTheHolderOfTheKey() {
    Loop l = new Loop();
    l.leader = Optional.of("node3");

    assertThat(l.decide()).isEqualTo(new Follow("node3", "node3 holds the leader key"));
  }

  // --- candidates

  @Test
  void theHealthiestReplicaTakesTheFreeKeyThenPromotes() {
    Loop l = new Loop().peer(PeerPoll.silent("node1", 1)).peer(replicaPeer("node3", 1, 99 * MB, null));

    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);
  }

  @Test
  void aCandidateBeyondMaximumLagIsNotPromoted() {
    Loop l = new Loop();
    l.local = replica(1, 100 * MB - MB - 1);

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("1048577 bytes behind the last primary position, more than maximum_lag (1048576)");
  }

  @Test
  void aCandidateJustWithinMaximumLagIsPromoted() {
    Loop l = new Loop();
    l.local = replica(1, 100 * MB - MB);

    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);
  }

  @Test
  void aPeerWithPriorityZeroIsNeverPromotedHoweverHealthy() {
    Loop l = new Loop();
    l.priorities = Map.of("node1", 1, "node2", 0, "node3", 1);

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("failover_priority 0");
  }

  @Test
  void aWritablePeerBlocksPromotion() {
    Loop l = new Loop().peer(primaryPeer("node1", 1, 100 * MB));

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("node1 is writable");
  }

  @Test
  void aPeerFurtherAheadIsTheCandidateNotUs() {
    Loop l = new Loop().peer(replicaPeer("node3", 1, 100 * MB + 1, null));

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("node3 is healthier");
  }

  @Test
  void atTheSameWalPositionTheHigherPriorityIsTheCandidate() {
    Loop l = new Loop().peer(new PeerPoll("node3", true, false, 1, 100 * MB, 5, Optional.empty()));

    assertThat(l.decide()).isInstanceOf(Wait.class);
  }

  @Test
  void twoEqualCandidatesBothTryAndTheTransactionLetsOneWin() {
    Loop l = new Loop().peer(replicaPeer("node3", 1, 100 * MB, null));

    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);
  }

  @Test
  void aPeerThatDoesNotAnswerIsNotAsked() {
    Loop l = new Loop().peer(PeerPoll.silent("node1", 1)).peer(PeerPoll.silent("node3", 9));

    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);
  }

  @Test
  void aReplicaBehindTheHistorysTimelineIsNoCandidate() {
    Loop l = new Loop();
    l.history = Optional.of(new History(3, "node3"));
    l.local = replica(2, 100 * MB);

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("timeline 2, behind the history's timeline 3");
  }

  @Test
  void aStoppedServerIsNoCandidate() {
    Loop l = new Loop();
    l.local = Local.STOPPED;

    assertThat(l.decide()).isInstanceOf(Wait.class);
  }

  // --- pause

  @Test
  void whilePausedNothingIsPromotedEvenWithTheKeyFree() {
    Loop l = new Loop();
    l.paused = true;

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).startsWith("paused");
  }

  @Test
  void whilePausedAWritableServerWithoutTheKeyIsNotDemoted() {
    Loop l = new Loop();
    l.paused = true;
    l.leader = Optional.of("node1");
    l.local = primary(1, 100 * MB);

    assertThat(l.decide()).isInstanceOf(Wait.class);
  }

  @Test
  void whilePausedTheLeaderOnlyRenews() {
    Loop l = new Loop();
    l.paused = true;
    l.self = "node1";
    l.leader = Optional.of("node1");
    l.local = Local.STOPPED;

    assertThat(l.decide()).isInstanceOf(Renew.class);
  }

  // --- etcd outages and failsafe

  @Test
  void withoutEtcdAPrimaryStaysWritableOnlyUntilItsLeaseDeadline() {
    Loop l = Loop.fromNode1Writable();
    l.unavailable = "no member answered within 3s";
    l.hold = Optional.of(new Hold(NOW + 2_500_000_000L));

    FailoverDecision before = l.decide();
    assertThat(before).isInstanceOf(Wait.class);
    assertThat(before.reason()).contains("surely ours for another 2500 ms");

    l.hold = Optional.of(new Hold(NOW));
    FailoverDecision after = l.decide();
    assertThat(after).isInstanceOf(Demote.class);
    assertThat(after.reason()).contains("deadline has passed");
  }

  @Test
  void withoutEtcdAWritableServerThatHoldsNoLeaseDemotes() {
    Loop l = Loop.fromNode1Writable();
    l.unavailable = "connection refused";

    assertThat(l.decide()).isInstanceOf(Demote.class);
  }

  @Test
  void withoutEtcdAReplicaPromotesNothing() {
    Loop l = new Loop();
    l.unavailable = "connection refused";

    assertThat(l.decide()).isInstanceOf(Wait.class);
  }

  @Test
  void failsafeKeepsThePrimaryWhileEveryPeerAnswersAndStreamsFromIt() {
    Loop l = Loop.fromNode1CutFromEtcd();
    l.failsafe = true;
    l.peer(replicaPeer("node2", 1, 100 * MB, "node1")).peer(replicaPeer("node3", 1, 100 * MB, "node1"));

    assertThat(l.decide()).isInstanceOf(Failsafe.class);
  }

  @Test
  void failsafeDemotesAfterTheDeadlineWhenOnePeerDoesNotAnswer() {
    Loop l = Loop.fromNode1CutFromEtcd();
    l.failsafe = true;
    l.peer(replicaPeer("node2", 1, 100 * MB, "node1")).peer(PeerPoll.silent("node3", 1));

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Demote.class);
    assertThat(d.reason()).contains("failsafe: node3 does not answer");
  }

  @Test
  void failsafeOffDemotesAfterTheDeadlineEvenWithEveryPeerConfirming() {
    Loop l = Loop.fromNode1CutFromEtcd();
    l.peer(replicaPeer("node2", 1, 100 * MB, "node1")).peer(replicaPeer("node3", 1, 100 * MB, "node1"));

    assertThat(l.decide()).isInstanceOf(Demote.class);
  }

  @Test
  void aStaleEtcdMemberWhoseRaftTermWentBackwardsIsNotBelievedWhenItSaysTheKeyIsFree() {
    Loop l = new Loop();
    l.raftTerm = 6;
    l.highestRaftTermSeen = 7;

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("stale (raft term 6, already seen 7)");
  }

  // --- switchover, failover, bootstrap

  @Test
  void theLeaderStepsDownForAHealthySwitchoverCandidate() {
    Loop l = Loop.fromNode1Leader();
    l.request = Optional.of(new Request(Request.Kind.SWITCHOVER, Optional.of("node1"), "node3", 4));
    l.peer(replicaPeer("node2", 1, 100 * MB, "node1")).peer(replicaPeer("node3", 1, 100 * MB, "node1"));

    assertThat(l.decide()).isInstanceOf(StepDown.class).extracting(d -> ((StepDown) d).candidate()).isEqualTo("node3");
  }

  @Test
  void theLeaderKeepsTheKeyWhenTheSwitchoverCandidateLagsOrHasPriorityZero() {
    Loop l = Loop.fromNode1Leader();
    l.request = Optional.of(new Request(Request.Kind.SWITCHOVER, Optional.empty(), "node3", 4));
    l.peer(replicaPeer("node3", 1, 10 * MB, "node1"));

    FailoverDecision lagging = l.decide();
    assertThat(lagging).isInstanceOf(Renew.class);
    assertThat(lagging.reason()).contains("the switchover to node3 waits: node3 is 94371840 bytes behind");

    l.peers.set(0, replicaPeer("node3", 1, 100 * MB, "node1"));
    l.priorities = Map.of("node1", 1, "node2", 1, "node3", 0);
    assertThat(l.decide().reason()).contains("node3 has failover_priority 0");
  }

  @Test
  void theRequestedCandidateTakesTheKeyEvenWhenAnotherReplicaIsFurtherAhead() {
    Loop l = new Loop();
    l.self = "node3";
    l.request = Optional.of(new Request(Request.Kind.FAILOVER, Optional.empty(), "node3", 5));
    l.peer(replicaPeer("node2", 1, 100 * MB + 5, null));

    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);
  }

  @Test
  void otherReplicasWaitForTheRequestedCandidateWhileItAnswers() {
    Loop l = new Loop();
    l.request = Optional.of(new Request(Request.Kind.FAILOVER, Optional.empty(), "node3", 5));
    l.peer(replicaPeer("node3", 1, 99 * MB, null));

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("a failover to node3 is pending");

    l.peers.set(0, PeerPoll.silent("node3", 1));
    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);
  }

  @Test
  void onlyThePreferredPrimaryBootstrapsAnUninitializedCluster() {
    Loop l = new Loop();
    l.initializedBy = Optional.empty();
    l.history = Optional.empty();

    assertThat(l.decide()).isInstanceOf(Wait.class);
    l.self = "node1";
    assertThat(l.decide()).isInstanceOf(Bootstrap.class);
  }

  // --- replication.synchronous: only a candidate that can prove it holds every acknowledged commit

  private static Optional<SynchronousSpec> synchronous(SynchronousSpec.Method method, int number) {
    return Optional.of(new SynchronousSpec(method, number, true, List.of("node1", "node2", "node3")));
  }

  @Test
  void withFirstOneOnlyTheStandbyInTheSyncKeyIsPromotedEvenWhenAnAsynchronousOneIsFurtherAhead() {
    Loop l = new Loop();
    l.synchronous = synchronous(SynchronousSpec.Method.FIRST, 1);
    l.sync = Optional.of(List.of("node3"));
    l.local = replica(1, 100 * MB + 5);
    l.peer(replicaPeer("node3", 1, 100 * MB, null));

    FailoverDecision asynchronous = l.decide();
    assertThat(asynchronous).isInstanceOf(Wait.class);
    assertThat(asynchronous.reason()).contains("we are not in the sync key (node3)").contains("--allow-data-loss");

    Loop fromNode3 = new Loop();
    fromNode3.self = "node3";
    fromNode3.synchronous = l.synchronous;
    fromNode3.sync = l.sync;
    fromNode3.peer(replicaPeer("node2", 1, 100 * MB + 5, null));
    assertThat(fromNode3.decide()).isInstanceOf(TakeThenPromote.class);
  }

  @Test
  void withFirstAndNoSyncKeyNobodyIsPromotedAutomatically() {
    Loop l = new Loop();
    l.synchronous = synchronous(SynchronousSpec.Method.FIRST, 1);
    l.peer(replicaPeer("node3", 1, 99 * MB, null));

    FailoverDecision d = l.decide();
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("there is no sync key");
  }

  @Test
  void withAnyOneOfTwoStandbysTheCandidateMustHearFromBothAndBeTheFurthest() {
    Loop l = new Loop();
    l.synchronous = synchronous(SynchronousSpec.Method.ANY, 1);
    l.peer(PeerPoll.silent("node3", 1));

    FailoverDecision alone = l.decide();
    assertThat(alone).isInstanceOf(Wait.class);
    assertThat(alone.reason()).contains("we hear from 1 of the 2 standbys node1 listed (node2), fewer than the 2");

    l.peers.set(0, replicaPeer("node3", 1, 99 * MB, null));
    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);

    l.priorities = Map.of("node1", 1, "node2", 1, "node3", 0);
    l.peers.set(0, new PeerPoll("node3", true, false, 1, 100 * MB + 5, 0, Optional.empty()));
    FailoverDecision behindANeverPromotedOne = l.decide();
    assertThat(behindANeverPromotedOne).isInstanceOf(Wait.class);
    assertThat(behindANeverPromotedOne.reason()).contains("node3 is further ahead");
  }

  @Test
  void withAnyTwoOfTwoStandbysEitherAloneHoldsEveryAcknowledgedCommit() {
    Loop l = new Loop();
    l.synchronous = synchronous(SynchronousSpec.Method.ANY, 2);
    l.peer(PeerPoll.silent("node3", 1));

    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);
  }

  @Test
  void onlyAFailoverRequestWithAllowDataLossPromotesAStandbyThatCannotProveItHoldsEveryCommit() {
    Loop l = new Loop();
    l.synchronous = synchronous(SynchronousSpec.Method.FIRST, 1);
    l.sync = Optional.of(List.of("node3"));
    l.peer(PeerPoll.silent("node3", 1));
    l.request = Optional.of(new Request(Request.Kind.FAILOVER, Optional.empty(), "node2", 6));

    assertThat(l.decide()).isInstanceOf(Wait.class);

    l.request = Optional.of(new Request(Request.Kind.FAILOVER, Optional.empty(), "node2", 6, true));
    assertThat(l.decide()).isInstanceOf(TakeThenPromote.class);
  }
}
