package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.pg.Passfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StandbyStepTest {
  private final Fixtures f = new Fixtures();

  StandbyStepTest() {
    f.self = "node2";
    f.standbySignal = true;
    f.passfile = Passfile.render("10.0.0.11", 5432, List.of("replicator", "pgconverge_rewind"), Fixtures.REPLICATOR_SECRET);
  }

  private static PrimaryFact primaryWith(Map<String, String> settings) {
    return new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered("7300000000000000001", 1, false, settings));
  }

  private PlanBuilder plan(PrimaryFact primary) {
    PlanBuilder plan = f.builder(f.host().stopped("stopped").primary(primary).build());
    assertThat(new StandbyStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    return plan;
  }

  @Test
  void aReplicaWithItsPassfileAndStandbySignalNeedsNothing() {
    PlanBuilder plan = plan(primaryWith(Map.of("max_connections", "100")));
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().drifts()).isEmpty();
  }

  @Test
  void writesAPassfileWithAnotherPasswordAndAMissingStandbySignal() {
    f.passfile = Passfile.render("10.0.0.11", 5432, "replicator", "old-password");
    f.standbySignal = false;
    PlanBuilder plan = plan(primaryWith(Map.of()));
    assertThat(plan.build().actions()).hasSize(2).first().isInstanceOf(Action.WritePassfile.class);
    assertThat(plan.build().actions().get(1)).isInstanceOfSatisfying(Action.WriteFile.class,
        w -> assertThat(w.path()).isEqualTo(Fixtures.DATA.resolve("standby.signal")));
    assertThat(plan.build().drifts().toString()).doesNotContain("old-password").doesNotContain(Fixtures.REPLICATOR_SECRET);
  }

  @Test
  void doesNotCheckThePassfileTwice() {
    f.passfile = null;
    PlanBuilder plan = f.builder(f.host().stopped("stopped").primary(primaryWith(Map.of())).build());
    plan.passfileChecked(true);
    new StandbyStep().plan(plan);
    assertThat(plan.build().actions()).isEmpty();
  }

  @Test
  void refusesAHotStandbySettingLowerThanThePrimarys() {
    f.settings.put("max_connections", "100");
    PlanBuilder plan = plan(primaryWith(Map.of("max_connections", "300")));
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.HOT_STANDBY_SETTING);
      assertThat(r.message()).contains("100").contains("300");
    });
  }

  @Test
  void needsNothingOnThePrimary() {
    f.self = "node1";
    f.standbySignal = false;
    PlanBuilder plan = plan(primaryWith(Map.of("max_connections", "300")));
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().refusals()).isEmpty();
  }
}
