package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.observe.DivergenceFact;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.pg.TimelineHistory;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * node2, a replica of node1 in the fixture, whose server runs in recovery and does not stream:
 * node1 was promoted to timeline 2 at 0/3000060 after an asynchronous failover (its history:
 * timeline 1 ended there). What {@link RoleChangeStep} plans for each replay position.
 */
class DivergedReplicaTest {
  private static final String SYSTEM = "7300000000000000001";
  private static final TimelineHistory HISTORY = TimelineHistory.parse("1\t0/3000060\tno recovery target specified\n");
  private final Fixtures f = new Fixtures();

  private static ServerFact.Running standby() {
    return new ServerFact.Running(150000, true, Instant.EPOCH, Fixtures.liveMatching(), Map.of(), List.of(),
        new ServerFact.Replication(SYSTEM, 1, List.of(), List.of(), Optional.empty(), true));
  }

  /** What the probe reports for a replica that replayed {@code timeline} up to {@code lsn}. */
  private static DivergenceFact.Checked replayed(int timeline, long lsn) {
    return new DivergenceFact.Checked(timeline, lsn, 2, HISTORY.switchpoint(timeline), HISTORY.followable(timeline, lsn, 2));
  }

  private PlanBuilder replicaThat(DivergenceFact divergence) {
    f.self = "node2";
    f.standbySignal = true;
    DesiredState desired = f.desired();
    Facts facts = f.host().server(standby())
        .primary(new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of())))
        .divergence(divergence).build();
    return Fixtures.builder(desired, facts, PlanContext.DEFAULT);
  }

  private static List<Class<?>> kinds(PlanBuilder b) {
    return b.build().actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  @Test
  void aReplicaThatReplayedPastTheSwitchpointLosesItsStandbySignalThenStopsAndNothingAfterIt() {
    PlanBuilder plan = replicaThat(replayed(1, 0x3000148L));
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(kinds(plan)).containsExactly(Action.RemoveFile.class, Action.StopServer.class);
    Action.RemoveFile remove = (Action.RemoveFile) plan.build().actions().get(0);
    assertThat(remove.path()).isEqualTo(Fixtures.DATA.resolve("standby.signal"));
    assertThat(plan.build().actions().get(1).needs()).as("the stop waits for the removal").containsExactly(Stage.CONFIG_FILES);
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.SERVER);
      assertThat(d.actual()).isEqualTo("replayed timeline 1 up to 0/3000148, but node1's timeline 2 forked off timeline 1 at 0/3000060,"
          + " before that: it cannot follow node1");
      assertThat(d.remedy()).contains("pg_rewind from node1");
    });
  }

  @Test
  void aReplicaWhoseTimelineIsNotOnThePrimarysHistoryIsStoppedForARewindToo() {
    PlanBuilder plan = replicaThat(replayed(3, 0x1000000L));
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(kinds(plan)).containsExactly(Action.RemoveFile.class, Action.StopServer.class);
    assertThat(plan.build().drifts()).singleElement()
        .satisfies(d -> assertThat(d.actual()).contains("timeline 3 is not on the history of node1's timeline 2"));
  }

  @Test
  void aReplicaExactlyAtTheSwitchpointFollowsAndNothingIsStopped() {
    PlanBuilder plan = replicaThat(replayed(1, 0x3000060L));
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().drifts()).isEmpty();
  }

  @Test
  void aReplicaBeforeTheSwitchpointFollowsAndNothingIsStopped() {
    PlanBuilder plan = replicaThat(replayed(1, 0x2000000L));
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().actions()).isEmpty();
  }

  @Test
  void nothingIsDecidedWhenTheCheckWasNotMadeOrCouldNotBeRead() {
    for (DivergenceFact d : List.of(new DivergenceFact.NotChecked(), new DivergenceFact.Unknown("timed out"))) {
      PlanBuilder plan = replicaThat(d);
      assertThat(new RoleChangeStep().plan(plan)).as("%s", d).isEqualTo(PlanStep.Next.CONTINUE);
      assertThat(plan.build().actions()).as("%s", d).isEmpty();
    }
  }

  @Test
  void aRunKilledAfterTheRemovalOnlyStopsTheServerNextTime() {
    f.self = "node2";
    f.standbySignal = false;
    PlanBuilder plan = Fixtures.builder(f.desired(), f.host().server(standby())
        .primary(new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of())))
        .divergence(replayed(1, 0x3000148L)).build(), PlanContext.DEFAULT);
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(kinds(plan)).containsExactly(Action.StopServer.class);
  }

  @Test
  void theWholePlanOfADivergedReplicaIsTheRemovalAndTheStopOnly() {
    f.self = "node2";
    f.standbySignal = true;
    Facts facts = f.host().server(standby())
        .primary(new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of())))
        .divergence(replayed(1, 0x3000148L)).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.actions()).extracting(a -> a.getClass().getSimpleName()).containsExactly("RemoveFile", "StopServer");
  }

  @Test
  void oncePlannedTheStoppedServerWithoutStandbySignalIsRewoundFromThePrimary() {
    f.self = "node2";
    f.standbySignal = false;
    Facts facts = f.host().stopped("stopped")
        .primary(new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of()))).build();
    PlanBuilder plan = Fixtures.builder(f.desired(), facts, PlanContext.DEFAULT);
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(kinds(plan)).containsExactly(Action.WritePassfile.class, Action.Rewind.class);
    assertThat(plan.build().drifts()).anySatisfy(d -> assertThat(d.actual()).contains("a replica that cannot follow node1's timeline"));
  }

  @Test
  void underEtcdAReplicaNotStreamingFromALeaderWhosePromotionIsUnderWayWaitsForItButStillPlansTheRest() {
    f.self = "node2";
    f.standbySignal = true;
    Facts facts = f.host().server(standby())
        .primary(new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered(SYSTEM, 1, true, Map.of()))).build();
    PlanBuilder plan = Fixtures.builder(f.desired(), facts, new PlanContext(false, true, false));
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.WAITING_FOR_PRIMARY);
      assertThat(r.reason().waitsForPeer()).isTrue();
    });
    assertThat(plan.build().actions()).isEmpty();

    PlanBuilder file = Fixtures.builder(f.desired(), facts, PlanContext.DEFAULT);
    assertThat(new RoleChangeStep().plan(file)).as("file mode").isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(file.build().refusals()).as("file mode: nothing to wait for").isEmpty();
  }
}
