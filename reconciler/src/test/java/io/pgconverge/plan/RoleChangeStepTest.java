package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.UpstreamFact;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoleChangeStepTest {
  private static final String SYSTEM = "7300000000000000001";
  private final Fixtures f = new Fixtures();

  private static List<Class<?>> kinds(PlanBuilder b) {
    return b.build().actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  private static ServerFact.Running running(boolean inRecovery, String systemId) {
    return new ServerFact.Running(150000, inRecovery, Instant.EPOCH, Fixtures.liveMatching(), Map.of(), List.of(),
        new ServerFact.Replication(systemId, 1, List.of(), List.of(), Optional.empty(), true));
  }

  /** node2, desired primary after the switchover, whose server is still a standby. */
  private PlanBuilder standbyToPromote(UpstreamFact upstream) {
    f.self = "node2";
    DesiredState swapped = new SwappedRoles(f).desired();
    Facts facts = f.host().conf("").hba("").server(running(true, SYSTEM)).upstream(upstream).build();
    PlanBuilder b = Fixtures.builder(swapped, facts, PlanContext.DEFAULT);
    return b;
  }

  @Test
  void promotesOnProofAfterMakingTheSlotsOfItsReplicas() {
    PlanBuilder plan = standbyToPromote(new UpstreamFact.Asked("node1", "10.0.0.11", 5432, new PeerAnswer.Refused("Connection refused")));
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(kinds(plan)).containsExactly(Action.CreateSlot.class, Action.CreateSlot.class);
    assertThat(new PromoteStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE); // after the settings are loaded
    assertThat(kinds(plan)).containsExactly(Action.CreateSlot.class, Action.CreateSlot.class, Action.Promote.class);
    assertThat(plan.build().drifts()).anySatisfy(d -> assertThat(d.subject()).isEqualTo("role"));
  }

  @Test
  void silenceIsNotProofSoItStopsWithoutPromoting() {
    PlanBuilder plan = standbyToPromote(new UpstreamFact.Asked("node1", "10.0.0.11", 5432, new PeerAnswer.Silent("timed out")));
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(kinds(plan)).doesNotContain(Action.Promote.class);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.PROMOTION_BLOCKED));
  }

  @Test
  void neverPromotesWhileTheFormerPrimaryAcceptsWrites() {
    PlanBuilder plan = standbyToPromote(new UpstreamFact.Asked("node1", "10.0.0.11", 5432,
        new PeerAnswer.Answered(SYSTEM, 1, false, Map.of())));
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(kinds(plan)).doesNotContain(Action.Promote.class);
  }

  @Test
  void aPrimaryThatMustBecomeAReplicaStopsCleanlyAndNothingAfterIt() {
    DesiredState swapped = new SwappedRoles(f).desired();
    Facts facts = f.host().server(running(false, SYSTEM))
        .primary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 1, true, Map.of()))).build();
    PlanBuilder plan = Fixtures.builder(swapped, facts, PlanContext.DEFAULT);
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(kinds(plan)).containsExactly(Action.StopServer.class);
  }

  @Test
  void leavesAPrimaryOfAnotherSystemRunning() {
    DesiredState swapped = new SwappedRoles(f).desired();
    Facts facts = f.host().server(running(false, "7111111111111111111"))
        .primary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 1, true, Map.of()))).build();
    PlanBuilder plan = Fixtures.builder(swapped, facts, PlanContext.DEFAULT);
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.FOREIGN_CLUSTER));
  }

  @Test
  void rewindsAStoppedFormerPrimaryOnceTheNewOneIsPromoted() {
    DesiredState swapped = new SwappedRoles(f).desired();
    Facts facts = f.host().stopped("stopped")
        .primary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of()))).build();
    PlanBuilder plan = Fixtures.builder(swapped, facts, PlanContext.DEFAULT);
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(kinds(plan)).containsExactly(Action.WritePassfile.class, Action.Rewind.class);
    assertThat(plan.passfileChecked()).isTrue();
    Action.Rewind rewind = (Action.Rewind) plan.build().actions().get(1);
    assertThat(rewind.sourceConninfo()).contains("host=10.0.0.12").contains("user=pgconverge_rewind").contains("dbname=postgres");
  }

  @Test
  void aStoppedFormerPrimaryWaitsWhileTheNewOneIsNotPromoted() {
    DesiredState swapped = new SwappedRoles(f).desired();
    Facts facts = f.host().stopped("stopped")
        .primary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 1, true, Map.of()))).build();
    PlanBuilder plan = Fixtures.builder(swapped, facts, PlanContext.DEFAULT);
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.WAITING_FOR_PRIMARY));
  }

  @Test
  void aStoppedReplicaWithItsStandbySignalIsNoRoleChange() {
    f.self = "node2";
    f.standbySignal = true;
    PlanBuilder plan = f.builder(f.host().stopped("stopped").build());
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().drifts()).isEmpty();
  }

  @Test
  void plansNothingDuringABootstrap() {
    PlanBuilder plan = standbyToPromote(new UpstreamFact.Unlisted("10.0.0.99", 5432));
    plan.bootstrapping();
    assertThat(new RoleChangeStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().actions()).isEmpty();
  }

}
