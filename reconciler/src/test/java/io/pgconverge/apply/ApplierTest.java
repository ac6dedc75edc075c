package io.pgconverge.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgconverge.desired.RoleSpec;
import io.pgconverge.observe.Secret;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.ExpectedSetting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The applier against a host in memory: which actions run, which are skipped and why, when one
 * fails or the daemon stops. The dependency rules are the ones the plan's actions declare
 * ({@code needs}, {@code provides}); the ITs prove the same against real servers.
 */
class ApplierTest {
  private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
  private static final Path DATA = Path.of("/srv/pg/data");
  private static final Path CONF = DATA.resolve("postgresql.conf");
  private static final Path HBA = DATA.resolve("pg_hba.conf");

  @TempDir Path tmp;
  private final InMemoryHost host = new InMemoryHost();

  private List<Outcome> apply(boolean checkOnly, AtomicBoolean stopping, Action... actions) {
    Applier applier = new Applier(host.ports(), checkOnly, line -> line == 3 ? "postgres.settings.work_mem" : null,
        stopping::get, ApplyEvents.NONE);
    return applier.apply(List.of(actions));
  }

  private List<Outcome> apply(Action... actions) {
    return apply(false, new AtomicBoolean(), actions);
  }

  private static Action.WriteFile write(Path path, String content) {
    return new Action.WriteFile(path, content, Optional.empty(), "drift");
  }

  private Action.StartServer start() {
    return new Action.StartServer(DATA, DATA, BIN, tmp.resolve("log/server.log"));
  }

  private static Action.ReloadServer reload() {
    return new Action.ReloadServer(List.of("postgresql.conf changed"), List.of(new ExpectedSetting("work_mem", "8192", "integer", "kB")));
  }

  private static String kinds(List<Outcome> outcomes) {
    return String.join(" ", outcomes.stream().map(o -> o.getClass().getSimpleName()).toList());
  }

  private static String reason(Outcome o) {
    return o instanceof Outcome.Skipped s ? s.reason() : o instanceof Outcome.Failed f ? f.cause() : ((Outcome.Applied) o).detail();
  }

  @Test
  void aServerThatWillNotStartSkipsExactlyTheActionsThatNeedTheServer() {
    host.answer("pg_ctl", 1, "", "pg_ctl: could not start server");
    host.serverDown = true;

    Secret.Readable password = new Secret.Readable(Path.of("/etc/pgconverge/app.password"), "s3cret");
    RoleSpec app = new RoleSpec(0, "app", Optional.of(true), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());

    List<Outcome> outcomes = apply(write(CONF, "work_mem = '8MB'\n"), start(), write(HBA, "local all all peer\n"),
        new Action.CreateSlot("pgc_node2"), new Action.AlterRole("app", List.of("LOGIN")), reload(),
        new Action.ResetAlterSystem(List.of("work_mem")), new Action.DropSlot("pgc_node3"),
        new Action.CreateRole(app, Optional.of(password)), new Action.SetPassword("app", password),
        new Action.EnsureRewindRole(password), new Action.Promote("node1 answers as a replica"),
        new Action.RestartServer(DATA, DATA, BIN, tmp.resolve("log/server.log"), List.of("shared_buffers changed")));

    assertThat(kinds(outcomes)).isEqualTo("Applied Failed Applied" + " Skipped".repeat(10));
    assertThat(reason(outcomes.get(1))).startsWith("the server did not start: pg_ctl: could not start server");
    assertThat(reason(outcomes.get(3))).isEqualTo("skipped because an earlier step of server failed");
    assertThat(host.files).containsOnlyKeys(CONF, HBA);
    assertThat(host.programsRun()).containsExactly("pg_ctl start");
  }

  @Test
  void aConfigTheServerRejectsIsNotWrittenNorReloadedButSlotsAndRolesStillChange() {
    host.answer("postgres", 1, "", "2026-12-01 22:00:00.000 UTC [4242] LOG:  invalid value for parameter \"work_mem\": \"lots\" (line 3)");

    List<Outcome> outcomes = apply(new Action.ValidateConfig(CONF, "# rejected\nwork_mem = lots\n", BIN),
        write(CONF, "# rejected\nwork_mem = lots\n"), reload(), new Action.CreateSlot("pgc_node2"),
        new Action.AlterRole("app", List.of("LOGIN", "CONNECTION LIMIT 20")));

    assertThat(kinds(outcomes)).isEqualTo("Failed Skipped Skipped Applied Applied");
    assertThat(reason(outcomes.get(0))).startsWith("the server would reject the new postgresql.conf, so it was not written: "
        + "LOG:  invalid value for parameter \"work_mem\": \"lots\" (line 3) [postgres.settings.work_mem]");
    assertThat(reason(outcomes.get(1))).isEqualTo("skipped because an earlier step of config files failed");
    assertThat(host.files).isEmpty();
    assertThat(host.statements).containsExactly("SELECT pg_create_physical_replication_slot(?, true) [pgc_node2]",
        "SET log_statement = 'none'", "ALTER ROLE \"app\" WITH LOGIN CONNECTION LIMIT 20");
  }

  @Test
  void aFailedRewindSkipsTheStartAndTheConfigFilesButNotThePassfile() {
    host.answer("psql", 0, "t\n", "").answer("pg_rewind", 1, "", "pg_rewind: error: could not find common ancestor");
    Secret.Readable password = new Secret.Readable(Path.of("/etc/pgconverge/replicator.password"), "s3cret");
    Path passfile = Path.of("/srv/pg/.data.pgpass");

    List<Outcome> outcomes = apply(new Action.Rewind(DATA, BIN, "host=10.0.0.12 user=pgconverge_rewind", "node2", false),
        write(CONF, "primary_conninfo = 'host=10.0.0.12'\n"), start(),
        new Action.WritePassfile(passfile, "10.0.0.12", 5432, "replicator", password));

    assertThat(kinds(outcomes)).isEqualTo("Failed Skipped Skipped Applied");
    assertThat(reason(outcomes.get(0))).contains("policy.reclone is never, so nothing else was done and the server stays stopped");
    assertThat(reason(outcomes.get(2))).isEqualTo("skipped because an earlier step of data directory failed");
    assertThat(host.files).containsOnlyKeys(passfile);
    assertThat(host.files.get(passfile)).contains("s3cret");
    assertThat(host.programsRun()).containsExactly("psql", "pg_controldata", "pg_rewind");
  }

  @Test
  void aPgdataMovedAsideLeavesTheRestOfThePlanToTheNextPassUnderTheClocksTime() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(data.resolve("PG_VERSION"), "15\n");
    host.answer("psql", 0, "t\n", "").answer("pg_rewind", 1, "", "pg_rewind: error: could not find common ancestor");

    List<Outcome> outcomes = apply(new Action.Rewind(data, BIN, "host=10.0.0.12", "node2", true),
        new Action.AlterRole("app", List.of("LOGIN")), write(HBA, "local all all peer\n"));

    assertThat(kinds(outcomes)).isEqualTo("Applied Skipped Skipped");
    Path aside = tmp.resolve("data.pgconverge-old-20261201-220000");
    assertThat(aside.resolve("PG_VERSION")).hasContent("15");
    assertThat(data).doesNotExist();
    assertThat(reason(outcomes.get(1))).isEqualTo("planned again in the next pass: the data directory was moved aside");
    assertThat(host.statements).isEmpty();
  }

  @Test
  void aStoppingDaemonLetsTheCurrentActionEndAndStartsNoOther() {
    AtomicBoolean stopping = new AtomicBoolean();
    host.afterWrite = () -> stopping.set(true);

    List<Outcome> outcomes = apply(false, stopping, write(CONF, "a\n"), write(HBA, "b\n"), new Action.CreateSlot("pgc_node2"));

    assertThat(kinds(outcomes)).isEqualTo("Applied Skipped Skipped");
    assertThat(reason(outcomes.get(1))).isEqualTo("pgconverge is stopping");
    assertThat(host.files).containsOnlyKeys(CONF);
    assertThat(host.statements).isEmpty();
  }

  @Test
  void checkRunsOnlyTheActionsThatChangeNothing() {
    List<Outcome> outcomes = apply(true, new AtomicBoolean(), new Action.ValidateConfig(CONF, "# check only\nwork_mem = '8MB'\n", BIN),
        write(CONF, "work_mem = '8MB'\n"), new Action.CreateSlot("pgc_node2"));

    assertThat(kinds(outcomes)).isEqualTo("Applied Skipped Skipped");
    assertThat(reason(outcomes.get(1))).isEqualTo("check only");
    assertThat(host.programsRun()).containsExactly("postgres");
    assertThat(host.files).isEmpty();
    assertThat(host.statements).isEmpty();
  }

  @Test
  void everyKindOfActionHasExactlyOneExecutor() {
    new Applier(host.ports(), false, line -> null, () -> false, ApplyEvents.NONE);

    ActionHandlers onlySql = new ActionHandlers();
    new SqlActions(host.ports().server()).register(onlySql);
    assertThatThrownBy(onlySql::complete).hasMessageStartingWith("no executor carries out ");
    assertThatThrownBy(() -> new SqlActions(host.ports().server()).register(onlySql))
        .hasMessageEndingWith(" has two executors");
  }

  @Test
  void aCleanStopIsPgCtlStopFastAndNothingElse() {
    List<Outcome> outcomes = apply(new Action.StopServer(DATA, BIN, "step down"));

    assertThat(kinds(outcomes)).isEqualTo("Applied");
    assertThat(host.commands).containsExactly(List.of(BIN.resolve("pg_ctl").toString(), "stop", "-D", DATA.toString(), "-m", "fast",
        "-w", "-t", "60", "-s"));
    assertThat(Map.copyOf(host.files)).isEmpty();
  }

  @Test
  void aStandbySignalThatCannotBeRemovedKeepsTheServerRunning() {
    Path signal = DATA.resolve("standby.signal");
    host.files.put(signal, "");
    host.unwritable.add(signal);
    List<Outcome> outcomes = apply(new Action.RemoveFile(signal, "rewind next"),
        new Action.StopServer(DATA, BIN, "rewind next", java.util.Set.of(io.pgconverge.plan.Stage.CONFIG_FILES)));

    assertThat(kinds(outcomes)).isEqualTo("Failed Skipped");
    assertThat(host.commands).as("no pg_ctl stop").isEmpty();
    assertThat(host.files).containsKey(signal);
  }

  @Test
  void aRemovedStandbySignalIsGoneThenTheServerStops() {
    Path signal = DATA.resolve("standby.signal");
    host.files.put(signal, "");
    List<Outcome> outcomes = apply(new Action.RemoveFile(signal, "rewind next"),
        new Action.StopServer(DATA, BIN, "rewind next", java.util.Set.of(io.pgconverge.plan.Stage.CONFIG_FILES)),
        new Action.RemoveFile(signal, "again"));

    assertThat(kinds(outcomes)).isEqualTo("Applied Applied Applied");
    assertThat(reason(outcomes.get(2))).startsWith(signal + " was already gone");
    assertThat(host.files).doesNotContainKey(signal);
    assertThat(host.programsRun()).containsExactly("pg_ctl stop");
  }
}
