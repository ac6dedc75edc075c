package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.RestartPolicy;
import io.pgconverge.observe.FileSettingError;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.ServerFact;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveSettingsStepTest {
  private static final String CONF = Fixtures.DATA.resolve("postgresql.conf").toString();
  private final Fixtures f = new Fixtures();

  private static List<Class<?>> kinds(PlanBuilder b) {
    return b.build().actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  private PlanBuilder plan(Map<String, LiveSetting> live, PlanContext context) {
    return plan(live, List.of(), context);
  }

  private PlanBuilder plan(Map<String, LiveSetting> live, List<FileSettingError> errors, PlanContext context) {
    PlanBuilder plan = Fixtures.builder(f.desired(), f.host().server(new ServerFact.Running(150000, false, Instant.EPOCH, live,
        Fixtures.rolesMatching(), errors, Fixtures.replicationMatching())).build(), context);
    assertThat(new LiveSettingsStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    return plan;
  }

  @Test
  void reloadsAReloadableSettingAndExpectsItsNewValue() {
    f.settings.put("work_mem", "8MB");
    PlanBuilder plan = plan(Fixtures.liveMatching(), PlanContext.DEFAULT);
    assertThat(plan.build().actions()).singleElement().isInstanceOfSatisfying(Action.ReloadServer.class, r -> {
      assertThat(r.reasons()).containsExactly("settings work_mem");
      assertThat(r.expect()).containsExactly(new ExpectedSetting("work_mem", "8MB", "integer", "kB"));
    });
  }

  @Test
  void aLiveValueThatMeansTheSameIsNoDrift() {
    f.settings.put("shared_buffers", "16384");
    PlanBuilder plan = plan(Fixtures.liveMatching(), PlanContext.DEFAULT);
    assertThat(plan.build().drifts()).isEmpty();
    assertThat(plan.build().actions()).isEmpty();
  }

  @Test
  void keepsARestartPendingUnderPolicyNever() {
    f.settings.put("shared_buffers", "256MB");
    PlanBuilder plan = plan(Fixtures.liveMatching(), PlanContext.DEFAULT);
    assertThat(plan.build().pendingRestarts()).containsExactly("shared_buffers");
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> assertThat(d.remedy()).contains("policy.restart: never"));
  }

  @Test
  void restartsUnderPolicyAlwaysAndUnderWindowOnlyWhileItIsOpen() {
    f.settings.put("shared_buffers", "256MB");
    f.restart = RestartPolicy.ALWAYS;
    assertThat(kinds(plan(Fixtures.liveMatching(), PlanContext.DEFAULT))).containsExactly(Action.RestartServer.class);
    f.restart = RestartPolicy.WINDOW;
    assertThat(kinds(plan(Fixtures.liveMatching(), new PlanContext(true)))).containsExactly(Action.RestartServer.class);
    PlanBuilder closed = plan(Fixtures.liveMatching(), new PlanContext(false));
    assertThat(closed.build().actions()).isEmpty();
    assertThat(closed.build().pendingRestarts()).containsExactly("shared_buffers");
  }

  @Test
  void aSettingNoLongerDesiredGoesBackToItsDefault() {
    f.settings.remove("work_mem");
    PlanBuilder plan = plan(Fixtures.liveMatching(), PlanContext.DEFAULT);
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> {
      assertThat(d.subject()).isEqualTo("work_mem");
      assertThat(d.desired()).startsWith("default");
    });
    assertThat(plan.build().actions()).singleElement().isInstanceOf(Action.ReloadServer.class);
  }

  @Test
  void reloadsForChangedHbaRecordsAndForAFileRewrittenOnlyInItsComments() {
    PlanBuilder changed = Fixtures.builder(f.desired(), f.converged(), PlanContext.DEFAULT);
    changed.hbaRecordsChanged(true);
    new LiveSettingsStep().plan(changed);
    assertThat(((Action.ReloadServer) changed.build().actions().get(0)).reasons()).containsExactly("pg_hba.conf changed");
    PlanBuilder rewritten = Fixtures.builder(f.desired(), f.converged(), PlanContext.DEFAULT);
    rewritten.add(new Action.WriteFile(f.desired().postgres().postgresqlConf(), "", java.util.Optional.empty(), "test"));
    new LiveSettingsStep().plan(rewritten);
    assertThat(rewritten.build().actions().get(1)).isInstanceOfSatisfying(Action.ReloadServer.class,
        r -> assertThat(r.reasons()).containsExactly("postgresql.conf rewritten"));
  }

  @Test
  void namesAnErrorInAFileItDoesNotManage() {
    PlanBuilder plan = plan(Fixtures.liveMatching(),
        List.of(new FileSettingError("/etc/postgresql/extra.conf", 3, "work_mem", "syntax error"),
            new FileSettingError(CONF, 2, "work_mem", "managed: the validation names it")), PlanContext.DEFAULT);
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> assertThat(d.subject()).isEqualTo("/etc/postgresql/extra.conf:3"));
  }

  @Test
  void plansNothingWithoutARunningServer() {
    f.settings.put("work_mem", "8MB");
    PlanBuilder plan = f.builder(f.host().stopped("stopped").build());
    new LiveSettingsStep().plan(plan);
    assertThat(plan.build().actions()).isEmpty();
  }
}
