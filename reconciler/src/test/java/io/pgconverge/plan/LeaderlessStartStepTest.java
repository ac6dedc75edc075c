package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.ServerFact;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Under failover.mode etcd with nobody holding the leader key of an initialized cluster, the whole
 * plan is to start a stopped server read-only (standby.signal first, observed on disk before the
 * start), so that a cluster whose servers all went down gets candidates again; nothing else, and
 * nothing at all for a running server or a data directory that is not initialized. A key held by
 * another member plans as before.
 */
class LeaderlessStartStepTest {
  private static final PlanContext NOBODY = PlanContext.leaderless(false);
  private static final PlanContext HELD_BY_ANOTHER = new PlanContext(false, true, false);
  private final Fixtures f = new Fixtures();

  private static List<Class<?>> kinds(Plan p) {
    return p.actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  /** node1, the file's preferred primary (a former primary), its server stopped. */
  private Plan nobody(Facts facts) {
    return Planner.plan(f.desired(), facts, NOBODY);
  }

  private static Drift leaderKeyDrift(Plan plan) {
    return plan.drifts().stream().filter(d -> d.subject().equals(LeaderlessStartStep.SUBJECT)).findFirst()
        .orElseThrow(() -> new AssertionError("no leader key drift in " + plan.drifts()));
  }

  @Test
  void aStoppedFormerPrimaryFirstGetsStandbySignalAndNothingIsStartedInThatPass() {
    f.standbySignal = false;
    Plan plan = nobody(f.host().stopped("no socket").build());
    assertThat(kinds(plan)).containsExactly(Action.WriteFile.class);
    Action.WriteFile w = (Action.WriteFile) plan.actions().get(0);
    assertThat(w.path()).isEqualTo(Fixtures.DATA.resolve("standby.signal"));
    assertThat(w.content()).isEmpty();
    assertThat(plan.refusals()).isEmpty();
    assertThat(plan.drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.STANDBY);
      assertThat(d.remedy()).contains("starts read-only").contains("nobody holds the leader key");
    });
  }

  @Test
  void aStoppedServerWithStandbySignalOnDiskIsStartedReadOnlyAndThePlanSaysWhy() {
    f.standbySignal = true;
    Plan plan = nobody(f.host().stopped("no socket").build());
    assertThat(kinds(plan)).containsExactly(Action.StartServer.class);
    assertThat(((Action.StartServer) plan.actions().get(0)).afterCrash()).isFalse();
    assertThat(plan.drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.SERVER);
      assertThat(d.remedy()).isEqualTo("nobody holds the leader key: started read-only so it can be a candidate");
    });
  }

  @Test
  void aCrashedServerIsStartedReadOnlyWithCrashRecovery() {
    f.standbySignal = true;
    Plan plan = nobody(f.host().server(new ServerFact.NotRunning("postmaster.pid names PID 4242", true)).build());
    assertThat(plan.actions()).singleElement().isInstanceOfSatisfying(Action.StartServer.class,
        s -> assertThat(s.afterCrash()).isTrue());
  }

  @Test
  void onlyTheStartIsPlannedThoughConfigFilesRolesAndSlotsDrifted() {
    f.standbySignal = true;
    Facts drifted = f.host().conf("# a hand-edited postgresql.conf\nwork_mem = '64MB'\n").hba("local all all trust\n")
        .stopped("no socket").build();
    Plan plan = nobody(drifted);
    assertThat(kinds(plan)).containsExactly(Action.StartServer.class);
    assertThat(kinds(Planner.plan(f.desired(), drifted, HELD_BY_ANOTHER)))
        .as("the same host while a member holds the key: its files are rewritten").contains(Action.WriteFile.class);
  }

  @Test
  void aRunningServerReadOnlyOrWritableIsLeftAlone() {
    for (boolean inRecovery : List.of(true, false)) {
      f.standbySignal = inRecovery;
      Facts facts = f.host().server(new ServerFact.Running(150000, inRecovery, Instant.EPOCH, Fixtures.liveMatching(), Map.of(),
          List.of(), new ServerFact.Replication("7300000000000000001", 1, List.of(), List.of(), Optional.empty(), true))).build();
      Plan plan = nobody(facts);
      assertThat(plan.actions()).as("in recovery %s", inRecovery).isEmpty();
      assertThat(plan.refusals()).isEmpty();
      assertThat(leaderKeyDrift(plan).remedy()).contains("the server runs (" + (inRecovery ? "read-only" : "writable") + ")");
    }
  }

  @Test
  void anUnreachableServerIsLeftAlone() {
    Plan plan = nobody(f.host().server(new ServerFact.Unreachable("timeout")).build());
    assertThat(plan.actions()).isEmpty();
    assertThat(leaderKeyDrift(plan).remedy()).contains("does not answer");
  }

  @Test
  void aDataDirectoryThatIsNotInitializedIsNeverMadeWithoutTheKey() {
    for (DataDirectoryFact data : List.of(new DataDirectoryFact.Missing(Fixtures.DATA),
        new DataDirectoryFact.Empty(Fixtures.DATA, List.of("lost+found")),
        new DataDirectoryFact.Foreign(Fixtures.DATA, List.of("notes.txt")),
        new DataDirectoryFact.Unreadable(Fixtures.DATA, "permission denied"))) {
      for (String self : List.of("node1", "node2")) {
        f.self = self;
        Plan plan = nobody(f.host().data(data).noConfigFiles().stopped("no data").build());
        assertThat(plan.actions()).as("%s on %s", data, self).isEmpty();
        assertThat(leaderKeyDrift(plan).remedy()).contains("not initialized").contains("only once a member holds the key");
      }
    }
  }

  @Test
  void withoutItsPostgresqlConfTheServerStaysStopped() {
    f.standbySignal = true;
    Plan plan = nobody(f.host().noConfigFiles().stopped("no socket").build());
    assertThat(plan.actions()).isEmpty();
    assertThat(leaderKeyDrift(plan).remedy()).contains("postgresql.conf is not there");
  }

  @Test
  void aStoppedReplicaWithTheKeyHeldByAnotherPlansAsBeforeNotTheLeaderlessPass() {
    f.self = "node2";
    f.standbySignal = true;
    Facts facts = f.host().stopped("no socket").build();
    Plan normal = Planner.plan(f.desired(), facts, HELD_BY_ANOTHER);
    assertThat(normal.drifts()).noneSatisfy(d -> assertThat(d.subject()).isEqualTo(LeaderlessStartStep.SUBJECT));
    assertThat(normal.drifts()).anySatisfy(d -> assertThat(d.remedy()).isEqualTo("start"));
    assertThat(kinds(normal)).contains(Action.StartServer.class);
  }

  @Test
  void aStoppedPrimaryNamedByAKeyThisHostDoesNotHoldIsNotStartedWritable() {
    DesiredState node1 = f.desired();
    Plan normal = Planner.plan(node1, f.host().stopped("no socket").build(), HELD_BY_ANOTHER);
    assertThat(kinds(normal)).doesNotContain(Action.StartServer.class);
    assertThat(normal.refusals()).anySatisfy(r -> assertThat(r.reason()).isEqualTo(RefusalReason.WAITING_FOR_LEADER_KEY));
  }

  @Test
  void nobodyHoldingTheKeyIsOnlyAnEtcdFactAndNeverThisHostHoldingIt() {
    assertThat(NOBODY.etcdRoles()).isTrue();
    assertThat(NOBODY.mayRunWritable()).isFalse();
    assertThat(PlanContext.DEFAULT.nobodyHoldsLeaderKey()).isFalse();
    assertThatThrownBy(() -> new PlanContext(false, false, false, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PlanContext(false, true, true, true)).isInstanceOf(IllegalArgumentException.class);
  }
}
