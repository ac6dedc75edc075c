package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.UpstreamFact;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Under failover.mode etcd the plan never promotes (the failover agent does, after winning the
 * leader key), and makes or starts a writable server only while this host holds the key; the
 * same facts under file mode plan as before.
 */
class EtcdModeGuardsTest {
  private static final PlanContext ETCD_WITHOUT_KEY = new PlanContext(false, true, false);
  private static final PlanContext ETCD_HOLDING_KEY = new PlanContext(false, true, true);
  private final Fixtures f = new Fixtures();

  private static List<Class<?>> kinds(PlanBuilder b) {
    return b.build().actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  /** node2, made primary by the leader key, whose server is still a standby; node1 refuses connections (down). */
  private PlanBuilder standbyMadePrimary(PlanContext context) {
    f.self = "node2";
    DesiredState swapped = new SwappedRoles(f).desired();
    ServerFact.Running standby = new ServerFact.Running(150000, true, Instant.EPOCH, Fixtures.liveMatching(), Map.of(), List.of(),
        new ServerFact.Replication("7300000000000000001", 1, List.of(), List.of(), Optional.empty(), true));
    Facts facts = f.host().conf("").hba("").server(standby)
        .upstream(new UpstreamFact.Asked("node1", "10.0.0.11", 5432, new PeerAnswer.Refused("Connection refused"))).build();
    return Fixtures.builder(swapped, facts, context);
  }

  @Test
  void theNewPrimaryOfTheLeaderKeyIsNeverPromotedByThePlanOnlyItsReplicasSlotsAreMade() {
    for (PlanContext etcd : List.of(ETCD_WITHOUT_KEY, ETCD_HOLDING_KEY)) {
      PlanBuilder plan = standbyMadePrimary(etcd);
      assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
      assertThat(kinds(plan)).containsExactly(Action.CreateSlot.class, Action.CreateSlot.class);
      assertThat(plan.build().drifts()).anySatisfy(d -> assertThat(d.remedy()).contains("the failover agent promotes"));
    }
  }

  @Test
  void underFileModeTheSameStandbyIsPromotedOnProof() {
    PlanBuilder plan = standbyMadePrimary(PlanContext.DEFAULT);
    new RoleChangeStep().plan(plan);
    assertThat(kinds(plan)).contains(Action.Promote.class);
  }

  @Test
  void aStoppedPrimaryServerStaysStoppedWhileThisHostDoesNotHoldTheLeaderKey() {
    PlanBuilder plan = Fixtures.builder(f.desired(), f.host().stopped("no socket").build(), ETCD_WITHOUT_KEY);
    assertThat(new ServerStartStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().refusals()).singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.WAITING_FOR_LEADER_KEY));
  }

  @Test
  void aCrashedPrimaryServerIsStartedAgainWhileThisHostHoldsTheLeaderKey() {
    PlanBuilder plan = Fixtures.builder(f.desired(),
        f.host().server(new ServerFact.NotRunning("postmaster.pid names PID 4242", true)).build(), ETCD_HOLDING_KEY);
    assertThat(new ServerStartStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().actions()).singleElement().isInstanceOfSatisfying(Action.StartServer.class,
        s -> assertThat(s.afterCrash()).isTrue());
  }

  @Test
  void aReplicasServerIsStartedWithoutTheLeaderKey() {
    f.self = "node2";
    PlanBuilder plan = Fixtures.builder(f.desired(), f.host().stopped("no socket").build(), ETCD_WITHOUT_KEY);
    assertThat(new ServerStartStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(kinds(plan)).containsExactly(Action.StartServer.class);
  }

  @Test
  void initdbWaitsForTheLeaderKeyAndRunsOnceThisHostHoldsIt() {
    PlanBuilder waiting = Fixtures.builder(f.desired(), f.host().missingData().noConfigFiles().stopped("no data").build(),
        ETCD_WITHOUT_KEY);
    assertThat(new DataDirectoryStep().plan(waiting)).isEqualTo(PlanStep.Next.STOP);
    assertThat(waiting.build().actions()).isEmpty();
    assertThat(waiting.build().refusals()).singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.WAITING_FOR_LEADER_KEY));
    assertThat(RefusalReason.WAITING_FOR_LEADER_KEY.waitsForPeer()).isTrue();

    PlanBuilder holding = Fixtures.builder(f.desired(), f.host().missingData().noConfigFiles().stopped("no data").build(),
        ETCD_HOLDING_KEY);
    assertThat(new DataDirectoryStep().plan(holding)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(kinds(holding)).containsExactly(Action.InitDataDirectory.class);
  }
}
