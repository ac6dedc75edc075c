package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.RoleSpec;
import io.pgconverge.observe.LiveRole;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.pg.ScramSha256;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RolesStepTest {
  private final Fixtures f = new Fixtures();

  private PlanBuilder plan(Map<String, LiveRole> roles, boolean inRecovery) {
    PlanBuilder plan = f.builder(f.host().server(new ServerFact.Running(150000, inRecovery, Instant.EPOCH, Fixtures.liveMatching(),
        roles, List.of(), Fixtures.replicationMatching())).build());
    assertThat(new RolesStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    return plan;
  }

  @Test
  void createsAnAbsentRoleWithItsPassword() {
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    roles.remove("app");
    assertThat(plan(roles, false).build().actions()).singleElement().isInstanceOfSatisfying(Action.CreateRole.class,
        c -> assertThat(c.password()).isPresent());
  }

  @Test
  void altersTheNamedAttributesThatDifferWithTheirSqlKeywords() {
    f.roles.set(0, new RoleSpec(0, "app", Optional.of(false), Optional.of(true), Optional.empty(), Optional.of(true),
        Optional.empty(), Optional.of(20), Optional.of(Fixtures.APP_PASSWORD)));
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    roles.put("app", new LiveRole("app", true, false, true, false, true, 5, Optional.of(Fixtures.APP_VERIFIER)));
    PlanBuilder plan = plan(roles, false);
    assertThat(plan.build().actions()).containsExactly(
        new Action.AlterRole("app", List.of("NOLOGIN", "REPLICATION", "CREATEDB", "CONNECTION LIMIT 20")));
    assertThat(plan.build().drifts()).extracting(Drift::subject)
        .containsExactly("app.login", "app.replication", "app.createdb", "app.connection_limit");
  }

  @Test
  void setsThePasswordOnlyWhenTheStoredVerifierDoesNotMatch() {
    assertThat(plan(Fixtures.rolesMatching(), false).build().actions()).isEmpty();
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    roles.put("app", new LiveRole("app", true, false, false, true, false, 20, Optional.of(ScramSha256.newVerifier("other"))));
    PlanBuilder plan = plan(roles, false);
    assertThat(plan.build().actions()).singleElement().isInstanceOf(Action.SetPassword.class);
    assertThat(plan.build().drifts().toString()).doesNotContain(Fixtures.APP_SECRET);
  }

  @Test
  void keepsTheRoleThatPgRewindNeedsOnThePrimary() {
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    roles.put("pgconverge_rewind", new LiveRole("pgconverge_rewind", true, false, true, false, false, -1, Optional.empty()));
    PlanBuilder plan = plan(roles, false);
    assertThat(plan.build().actions()).singleElement().isInstanceOf(Action.EnsureRewindRole.class);
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> assertThat(d.actual()).isEqualTo("wrong attributes"));
  }

  @Test
  void managesNoRolesOnAServerInRecovery() {
    PlanBuilder plan = plan(Map.of(), true);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().drifts()).isEmpty();
  }
}
