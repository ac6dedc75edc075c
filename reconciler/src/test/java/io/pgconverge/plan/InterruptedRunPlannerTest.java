package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.Facts;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.ServerFact;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What the next run plans after one that was killed half-way: a managed file written and not
 * loaded, a server whose postmaster died.
 */
class InterruptedRunPlannerTest {
  private static final Path HBA = Fixtures.DATA.resolve("pg_hba.conf");
  private static final Path CONF = Fixtures.DATA.resolve("postgresql.conf");
  private static final Instant LOADED = Instant.parse("2026-12-01T20:00:00.123456Z");
  private static final Instant NOW = LOADED.plusSeconds(60);

  private final Fixtures f = new Fixtures();

  /** The converged host, with the server's load time and the files' modification times set. */
  private Facts facts(Instant hbaModified, Instant confModified, Map<String, LiveSetting> live) {
    Facts base = f.converged(live, Fixtures.rolesMatching());
    ServerFact.Running r = (ServerFact.Running) base.server();
    ServerFact.Running server = new ServerFact.Running(r.serverVersionNum(), r.inRecovery(), r.startedAt(), r.settings(),
        r.roles(), r.configErrors(), r.replication(), ServerFact.ConfLoad.of(LOADED, NOW));
    Map<Path, FileFact> files = new LinkedHashMap<>(base.files());
    files.put(HBA, withMtime(base.file(HBA), hbaModified));
    files.put(CONF, withMtime(base.file(CONF), confModified));
    return new Facts(base.dataDirectory(), files, server, base.secrets(), base.binaries(), base.primary(), base.upstream());
  }

  private static FileFact withMtime(FileFact f, Instant modified) {
    return new FileFact.Present(f.path(), ((FileFact.Present) f).bytes(), Optional.of(modified));
  }

  private static List<String> reloadReasons(Plan plan) {
    return plan.actions().stream().filter(a -> a instanceof Action.ReloadServer).findFirst()
        .map(a -> ((Action.ReloadServer) a).reasons()).orElse(List.of());
  }

  @Test
  void anHbaFileWrittenAfterTheLastLoadIsWrittenNotLoadedAndGetsItsReload() {
    Plan plan = Planner.plan(f.desired(), facts(LOADED.plusMillis(3), LOADED.minusSeconds(5), Fixtures.liveMatching()));
    assertThat(plan.drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.NOT_LOADED);
      assertThat(d.subject()).isEqualTo(HBA.toString());
      assertThat(d.remedy()).isEqualTo("reload");
    });
    assertThat(plan.actions()).singleElement().isInstanceOf(Action.ReloadServer.class);
    assertThat(reloadReasons(plan)).containsExactly("pg_hba.conf written, not loaded");
  }

  @Test
  void aPostgresqlConfWrittenAfterTheLastLoadGetsItsReloadToo() {
    Plan plan = Planner.plan(f.desired(), facts(LOADED.minusSeconds(5), LOADED.plusSeconds(1), Fixtures.liveMatching()));
    assertThat(plan.drifts()).singleElement().satisfies(d -> assertThat(d.kind()).isEqualTo(DriftKind.NOT_LOADED));
    assertThat(reloadReasons(plan)).containsExactly("postgresql.conf written, not loaded");
  }

  @Test
  void filesWrittenBeforeTheServerLastLoadedThemAreInSync() {
    Plan plan = Planner.plan(f.desired(), facts(LOADED.minusMillis(1), LOADED.minusSeconds(3600), Fixtures.liveMatching()));
    assertThat(plan.inSync()).isTrue();
    assertThat(plan.actions()).isEmpty();
  }

  @Test
  void anMtimeWithinTheLoadsMicrosecondIsNotNewerThanIt() {
    // the file system keeps nanoseconds, the server microseconds: 20:00:00.123456789 is that load's own microsecond
    Plan plan = Planner.plan(f.desired(), facts(LOADED.plusNanos(789), LOADED.plusNanos(999), Fixtures.liveMatching()));
    assertThat(plan.actions()).as("no reload after every run").isEmpty();
  }

  @Test
  void aModificationTimeLaterThanTheServersClockIsNotJudgedSoItCannotReloadOnEveryRun() {
    Plan plan = Planner.plan(f.desired(), facts(NOW.plusSeconds(3600), LOADED.minusSeconds(5), Fixtures.liveMatching()));
    assertThat(plan.actions()).isEmpty();
  }

  @Test
  void aRestartOnlySettingInAFileWrittenNotLoadedWaitsForPolicyWhileTheReloadLoadsTheRest() {
    f.settings.put("shared_buffers", "256MB");
    // the killed run wrote shared_buffers = 256MB and work_mem = 4MB; the server still runs 128MB and 2MB
    Map<String, LiveSetting> live = Fixtures.liveMatching();
    LiveSetting wm = live.get("work_mem");
    live.put("work_mem", new LiveSetting(wm.name(), "2048", wm.unit(), wm.vartype(), wm.context(), wm.source(), wm.sourcefile(), false));
    Facts facts = facts(LOADED.minusSeconds(5), LOADED.plusSeconds(1), live);
    Facts written = new Facts(facts.dataDirectory(), rewritten(facts, CONF, ManagedFiles.postgresqlConf(f.desired())),
        facts.server(), facts.secrets(), facts.binaries(), facts.primary(), facts.upstream());
    Plan plan = Planner.plan(f.desired(), written);
    assertThat(plan.pendingRestarts()).containsExactly("shared_buffers");
    assertThat(plan.actions()).singleElement().isInstanceOf(Action.ReloadServer.class);
    assertThat(reloadReasons(plan)).contains("settings work_mem", "postgresql.conf written, not loaded");
    f.restart = io.pgconverge.desired.RestartPolicy.ALWAYS;
    assertThat(Planner.plan(f.desired(), written).actions()).singleElement().isInstanceOf(Action.RestartServer.class);
  }

  private static Map<Path, FileFact> rewritten(Facts facts, Path path, String text) {
    Map<Path, FileFact> files = new LinkedHashMap<>(facts.files());
    FileFact.Present old = (FileFact.Present) facts.file(path);
    files.put(path, new FileFact.Present(path, text.getBytes(StandardCharsets.UTF_8), old.modified()));
    return files;
  }

  @Test
  void aServerWhosePostmasterDiedIsStartedAgainWithCrashRecovery() {
    Facts base = f.converged();
    Facts facts = new Facts(base.dataDirectory(), base.files(),
        new ServerFact.NotRunning("postmaster.pid names PID 4242, which is not running", true),
        base.secrets(), base.binaries(), base.primary(), base.upstream());
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.refusals()).isEmpty();
    assertThat(plan.actions()).singleElement().isInstanceOfSatisfying(Action.StartServer.class, s -> {
      assertThat(s.afterCrash()).isTrue();
      assertThat(s.describe()).contains("after a crash");
    });
    assertThat(plan.drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.SERVER);
      assertThat(d.actual()).contains("crashed").contains("PID 4242");
    });
  }
}
