package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.RestartPolicy;
import io.pgconverge.desired.RoleSpec;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.LiveRole;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.ServerFact;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlannerTest {
  private final Fixtures f = new Fixtures();

  private static Action.ReloadServer reloadOf(Plan p) {
    return p.actions().stream().filter(a -> a instanceof Action.ReloadServer).map(a -> (Action.ReloadServer) a)
        .findFirst().orElseThrow(() -> new AssertionError("no reload in " + p.actions()));
  }

  private static List<Class<?>> kinds(Plan p) {
    return p.actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  @Test
  void plansNothingWhenTheHostMatchesTheDesiredState() {
    Plan plan = Planner.plan(f.desired(), f.converged());
    assertThat(plan.drifts()).isEmpty();
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.inSync()).isTrue();
  }

  @Test
  void initializesAMissingDataDirectoryThenWritesConfigAndStartsTheServer() {
    Facts facts = f.host().missingData().noConfigFiles().stopped("no data").build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).containsExactly(Action.InitDataDirectory.class, Action.ValidateConfig.class,
        Action.WriteFile.class, Action.WriteFile.class, Action.StartServer.class);
    assertThat(plan.drifts()).singleElement().satisfies(d -> assertThat(d.actual()).isEqualTo("missing"));
  }

  @Test
  void treatsADirectoryWithOnlyDotFilesAsEmptyAndInitializesIt() {
    Facts facts = f.host().data(new DataDirectoryFact.Empty(Fixtures.DATA, List.of(".keep", "lost+found"))).noConfigFiles()
        .stopped("no data").build();
    assertThat(Planner.plan(f.desired(), facts).actions().get(0)).isInstanceOf(Action.InitDataDirectory.class);
  }

  @Test
  void refusesForeignContentAndPlansNothingElse() {
    Facts facts = f.host().data(new DataDirectoryFact.Foreign(Fixtures.DATA, List.of("notes.txt"))).noConfigFiles()
        .stopped("x").build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.FOREIGN_DATA);
      assertThat(r.message()).contains("notes.txt").contains(Fixtures.DATA.toString());
    });
  }

  @Test
  void reloadsButDoesNotRestartForWorkMem() {
    Facts facts = f.converged();
    f.settings.put("work_mem", "8MB");
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).containsExactly(Action.ValidateConfig.class, Action.WriteFile.class, Action.ReloadServer.class);
    Action.ReloadServer reload = (Action.ReloadServer) plan.actions().get(2);
    assertThat(reload.expect()).containsExactly(new ExpectedSetting("work_mem", "8MB", "integer", "kB"));
    assertThat(plan.drifts()).singleElement().satisfies(d -> {
      assertThat(d.subject()).isEqualTo("work_mem");
      assertThat(d.desired()).isEqualTo("8MB");
      assertThat(d.remedy()).contains("rewrite postgresql.conf").contains("reload");
    });
    assertThat(plan.pendingRestarts()).isEmpty();
  }

  @Test
  void reportsARestartAsPendingUnderPolicyNever() {
    Facts facts = f.converged();
    f.settings.put("shared_buffers", "256MB");
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).as("the rewritten file is loaded at once (its shared_buffers then waits for a restart)")
        .containsExactly(Action.ValidateConfig.class, Action.WriteFile.class, Action.ReloadServer.class);
    assertThat(((Action.ReloadServer) plan.actions().get(2)).reasons()).containsExactly("postgresql.conf rewritten");
    assertThat(plan.pendingRestarts()).containsExactly("shared_buffers");
    assertThat(plan.inSync()).isFalse();
  }

  @Test
  void keepsReportingAPendingRestartAfterTheFileWasWritten() {
    f.settings.put("shared_buffers", "256MB");
    Map<String, LiveSetting> live = Fixtures.liveMatching();
    LiveSetting sb = live.get("shared_buffers");
    live.put("shared_buffers", new LiveSetting(sb.name(), sb.setting(), sb.unit(), sb.vartype(), sb.context(), sb.source(), sb.sourcefile(), true));
    Plan plan = Planner.plan(f.desired(), f.converged(live, Fixtures.rolesMatching()));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.pendingRestarts()).containsExactly("shared_buffers");
  }

  @Test
  void restartsForSharedBuffersUnderPolicyAlways() {
    Facts facts = f.converged();
    f.settings.put("shared_buffers", "256MB");
    f.restart = RestartPolicy.ALWAYS;
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).containsExactly(Action.ValidateConfig.class, Action.WriteFile.class, Action.RestartServer.class);
    assertThat(plan.pendingRestarts()).isEmpty();
  }

  @Test
  void keepsARestartPendingUnderPolicyWindowWhileTheWindowIsClosed() {
    Facts facts = f.converged();
    f.settings.put("shared_buffers", "256MB");
    f.restart = RestartPolicy.WINDOW;
    Plan plan = Planner.plan(f.desired(), facts, new PlanContext(false));
    assertThat(kinds(plan)).containsExactly(Action.ValidateConfig.class, Action.WriteFile.class, Action.ReloadServer.class);
    assertThat(plan.pendingRestarts()).containsExactly("shared_buffers");
    assertThat(plan.drifts()).anySatisfy(d -> assertThat(d.remedy()).contains("waits for the maintenance window"));
    assertThat(Planner.plan(f.desired(), facts)).as("the two-argument plan has the window closed").isEqualTo(plan);
  }

  @Test
  void restartsUnderPolicyWindowWhileTheWindowIsOpen() {
    Facts facts = f.converged();
    f.settings.put("shared_buffers", "256MB");
    f.restart = RestartPolicy.WINDOW;
    Plan plan = Planner.plan(f.desired(), facts, new PlanContext(true));
    assertThat(kinds(plan)).containsExactly(Action.ValidateConfig.class, Action.WriteFile.class, Action.RestartServer.class);
    assertThat(plan.pendingRestarts()).isEmpty();
  }

  @Test
  void comparesSettingsByMeaningSoOneGigabyteEqualsTenTwentyFourMegabytes() {
    Facts facts = f.converged();
    f.settings.put("wal_keep_size", "1024MB");
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.drifts()).allSatisfy(d -> assertThat(d.kind()).isEqualTo(DriftKind.CONFIG_FILE));
    assertThat(kinds(plan)).doesNotContain(Action.RestartServer.class);
    assertThat(reloadOf(plan).expect()).as("no setting changes its value").isEmpty();
  }

  @Test
  void rewritesAndReloadsWhenOnlyCommentsDifferSoTheNextRunFindsTheFileLoaded() {
    String conf = ManagedFiles.postgresqlConf(f.desired()) + "# a note someone added\n";
    Facts base = f.converged();
    Facts facts = f.host().conf(conf).server(base.server()).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).containsExactly(Action.ValidateConfig.class, Action.WriteFile.class, Action.ReloadServer.class);
    assertThat(reloadOf(plan).reasons()).containsExactly("postgresql.conf rewritten");
    assertThat(plan.drifts()).singleElement().satisfies(d -> assertThat(d.actual()).contains("comments"));
  }

  @Test
  void namesAHandEditedSettingWithItsLineOnDisk() {
    String conf = ManagedFiles.postgresqlConf(f.desired()).replace("work_mem = 4MB", "work_mem = 64MB");
    Facts base = f.converged();
    Facts facts = f.host().conf(conf).server(base.server()).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.drifts()).singleElement().satisfies(d -> {
      assertThat(d.subject()).isEqualTo("work_mem");
      assertThat(d.actual()).startsWith("64MB (postgresql.conf:");
    });
    assertThat(reloadOf(plan).expect()).as("the live value is already the desired one").isEmpty();
  }

  @Test
  void resetsAnAlterSystemOverrideOfAManagedSetting() {
    Facts base = f.converged();
    Facts facts = f.host().autoConf("# Do not edit this file manually!\nwork_mem = '64MB'\nstatement_timeout = '5s'\n")
        .server(base.server()).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.actions()).containsExactly(new Action.ResetAlterSystem(List.of("work_mem")));
    assertThat(plan.drifts()).singleElement().satisfies(d -> assertThat(d.kind()).isEqualTo(DriftKind.ALTER_SYSTEM));
  }

  @Test
  void reloadsWhenTwoHbaLinesWereSwapped() {
    String hba = ManagedFiles.hbaConf(f.desired());
    List<String> lines = new java.util.ArrayList<>(hba.lines().toList());
    int a = lines.size() - 3;
    java.util.Collections.swap(lines, a, a + 1);
    Facts base = f.converged();
    Facts facts = f.host().hba(String.join("\n", lines) + "\n").server(base.server()).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).containsExactly(Action.WriteFile.class, Action.ReloadServer.class);
    assertThat(plan.drifts()).anySatisfy(d -> assertThat(d.actual()).contains("order matters"));
  }

  @Test
  void expandsPeersIntoOneHbaLinePerPeerHost() {
    String hba = ManagedFiles.hbaConf(f.desired());
    assertThat(hba).contains("10.0.0.11/32").contains("10.0.0.12/32");
    assertThat(hba.lines().filter(l -> l.contains("replication")).count()).isEqualTo(2);
  }

  @Test
  void startsAStoppedServer() {
    Facts base = f.converged();
    Facts facts = f.host().stopped("no socket").build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).containsExactly(Action.StartServer.class);
  }

  @Test
  void createsAMissingRoleWithItsPassword() {
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    roles.remove("app");
    Plan plan = Planner.plan(f.desired(), f.converged(Fixtures.liveMatching(), roles));
    assertThat(plan.actions()).singleElement().isInstanceOfSatisfying(Action.CreateRole.class,
        c -> assertThat(c.password()).isPresent());
  }

  @Test
  void altersOnlyTheAttributesThatDrifted() {
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    roles.put("app", new LiveRole("app", true, false, false, false, false, 5, Optional.of(Fixtures.APP_VERIFIER)));
    Plan plan = Planner.plan(f.desired(), f.converged(Fixtures.liveMatching(), roles));
    assertThat(plan.actions()).containsExactly(new Action.AlterRole("app", List.of("CREATEDB", "CONNECTION LIMIT 20")));
  }

  @Test
  void setsThePasswordOnlyWhenTheStoredVerifierDoesNotMatch() {
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    String other = io.pgconverge.pg.ScramSha256.newVerifier("something-else");
    roles.put("app", new LiveRole("app", true, false, false, true, false, 20, Optional.of(other)));
    Plan plan = Planner.plan(f.desired(), f.converged(Fixtures.liveMatching(), roles));
    assertThat(plan.actions()).singleElement().isInstanceOf(Action.SetPassword.class);
    assertThat(plan.drifts().toString()).doesNotContain(Fixtures.APP_SECRET);
  }

  @Test
  void leavesRolesThatAreNotListedAlone() {
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    roles.put("analyst", new LiveRole("analyst", true, false, true, false, false, -1, Optional.empty()));
    assertThat(Planner.plan(f.desired(), f.converged(Fixtures.liveMatching(), roles)).actions()).isEmpty();
  }

  @Test
  void leavesRoleAttributesThatAreNotInTheDesiredStateAlone() {
    f.roles.set(0, new RoleSpec(0, "app", Optional.of(true), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.of(Fixtures.APP_PASSWORD)));
    Map<String, LiveRole> roles = Fixtures.rolesMatching();
    roles.put("app", new LiveRole("app", true, false, false, false, true, 3, Optional.of(Fixtures.APP_VERIFIER)));
    assertThat(Planner.plan(f.desired(), f.converged(Fixtures.liveMatching(), roles)).actions()).isEmpty();
  }

  @Test
  void doesNotManageRolesOnAServerInRecovery() {
    Facts base = f.converged(Fixtures.liveMatching(), Map.of());
    ServerFact.Running r = (ServerFact.Running) base.server();
    Facts facts = f.host()
        .server(new ServerFact.Running(r.serverVersionNum(), true, Instant.EPOCH, r.settings(), r.roles(), List.of(), ServerFact.Replication.NONE)).build();
    assertThat(Planner.plan(f.desired(), facts).actions())
        .doesNotHaveAnyElementsOfTypes(Action.CreateRole.class, Action.AlterRole.class, Action.SetPassword.class,
            Action.EnsureRewindRole.class);
  }
}
