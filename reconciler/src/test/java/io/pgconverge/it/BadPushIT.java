package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A desired-state file that loads but whose postgresql.conf the server rejects — a time zone
 * PostgreSQL does not know (no offline check can tell), a misspelt setting name — is invalid as a
 * whole: {@code apply} and {@code check} refuse it touching nothing, and a daemon reports it on
 * every run while it keeps enforcing the last good state, hand edits of managed files included.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BadPushIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  /** A few scheduled runs (every 2 s) and a reload. */
  private static final Duration FEW_RUNS = Duration.ofSeconds(15);

  private static final String BAD_TIMEZONE = "Mars/Olympus_Mons";

  /** The start of a problem line about {@code postgres.settings.<setting>}, at the line it is written on. */
  private static String locatedAt(String yaml, String setting) {
    return "desired-state\\.yaml:" + InvalidSettingIT.lineOf(yaml, "    " + setting + ":") + ":[0-9]+: postgres\\.settings\\."
        + setting + ": ";
  }

  @Test
  void aDaemonReportsAPushedFileTheServerRejectsOnEveryRunAndKeepsEnforcingTheLastGoodState() {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 2s, jitter: 0s}");
      host.writeDesired();
      Psql psql = new Psql(host);
      try (DaemonProcess d = DaemonProcess.start(host)) {
        d.awaitStatus(s -> s.path("result").asText().equals("in-sync"), CONVERGE);
        String goodConf = TestHost.read(host.postgresqlConf());
        String goodHba = TestHost.read(host.hbaConf());
        String goodTimezone = psql.show("timezone");

        // 1. a time zone only the server can judge, with a change that must not be applied either
        host.desired().setting("timezone", BAD_TIMEZONE).setting("work_mem", "8MB");
        String badZone = host.desired().render();
        DaemonIT.push(host, badZone);
        String zoneProblem = ".*" + locatedAt(badZone, "timezone")
            + "the server rejects it: invalid value for parameter \"TimeZone\": \"" + BAD_TIMEZONE + "\"";
        JsonNode reported = awaitRejected(d, zoneProblem);
        assertThat(reported.path("desired_state").path("enforcing").asText()).endsWith("desired-state.yaml");
        assertThat(d.awaitMetrics(m -> m.getOrDefault("pgconverge_desired_state_valid", 1.0) == 0.0, FEW_RUNS))
            .containsEntry("pgconverge_desired_state_problems", 1.0);

        handEditAndAwaitRevert(host, psql, d, goodConf, goodHba);
        assertThat(psql.show("work_mem")).as("nothing of the rejected file is applied").isEqualTo("4MB");
        assertThat(psql.show("timezone")).isEqualTo(goodTimezone);
        awaitReportedAgain(d, reported, zoneProblem);

        // 2. a misspelt setting name
        host.desired().removeSetting("timezone").setting("wal_levl", "replica");
        String badName = host.desired().render();
        DaemonIT.push(host, badName);
        // the server's message today; an offline check at load time may word it otherwise
        String nameProblem = ".*" + locatedAt(badName, "wal_levl") + ".+";
        JsonNode misspelt = awaitRejected(d, nameProblem);
        handEditAndAwaitRevert(host, psql, d, goodConf, goodHba);
        assertThat(psql.show("work_mem")).isEqualTo("4MB");
        awaitReportedAgain(d, misspelt, nameProblem);

        // 3. the fixed file is enforced at once
        host.desired().removeSetting("wal_levl");
        DaemonIT.push(host, host.desired().render());
        assertThat(psql.await("show work_mem", "8MB", FEW_RUNS)).as("a fixed file converges").isEqualTo("8MB");
        d.awaitStatus(s -> s.path("desired_state").path("valid").asBoolean() && s.path("result").asText().equals("in-sync"), FEW_RUNS);
        assertThat(d.awaitMetrics(m -> m.getOrDefault("pgconverge_desired_state_valid", 0.0) == 1.0, FEW_RUNS))
            .containsEntry("pgconverge_desired_state_problems", 0.0);
      }
    }
  }

  /** Waits for a status that says the file on disk is invalid with a problem matching {@code problem}. */
  private static JsonNode awaitRejected(DaemonProcess d, String problem) {
    JsonNode s = d.awaitStatus(j -> !j.path("desired_state").path("valid").asBoolean(true)
        && j.path("desired_state").path("problems").path(0).asText().matches(problem), FEW_RUNS);
    assertThat(s.path("desired_state").path("problems")).hasSize(1);
    return s;
  }

  /** A later run (another run id) reports the same problem, in the status file and in the log. */
  private static void awaitReportedAgain(DaemonProcess d, JsonNode earlier, String problem) {
    JsonNode later = d.awaitStatus(j -> !j.path("run_id").asText().equals(earlier.path("run_id").asText()), FEW_RUNS);
    assertThat(later.path("desired_state").path("valid").asBoolean()).isFalse();
    assertThat(later.path("desired_state").path("problems").path(0).asText()).matches(problem);
    assertThat(d.log().lines().filter(l -> l.contains("invalid desired state: ") && l.matches(problem)).count())
        .as("reported on every run").isGreaterThanOrEqualTo(2);
  }

  /**
   * Edits postgresql.conf and pg_hba.conf by hand and reloads, as an operator would; the daemon
   * must put back the last good files and values within a few runs.
   */
  private static void handEditAndAwaitRevert(TestHost host, Psql psql, DaemonProcess d, String goodConf, String goodHba) {
    long settingDrifts = count(d, "drift setting work_mem");
    long hbaDrifts = count(d, "drift hba ");
    TestHost.edit(host.postgresqlConf(), goodConf + "work_mem = '16MB'\n");
    TestHost.edit(host.hbaConf(), goodHba + "host all all 127.0.0.2/32 trust\n");
    psql.query("select pg_reload_conf()");
    long deadline = System.nanoTime() + FEW_RUNS.toNanos();
    while (!(count(d, "drift setting work_mem") > settingDrifts && count(d, "drift hba ") > hbaDrifts
        && TestHost.read(host.postgresqlConf()).equals(goodConf) && TestHost.read(host.hbaConf()).equals(goodHba))
        && System.nanoTime() < deadline) {
      Psql.sleep(100);
    }
    assertThat(count(d, "drift setting work_mem")).as("the daemon saw the hand edit of postgresql.conf").isGreaterThan(settingDrifts);
    assertThat(count(d, "drift hba ")).as("the daemon saw the hand edit of pg_hba.conf").isGreaterThan(hbaDrifts);
    assertThat(TestHost.read(host.postgresqlConf())).isEqualTo(goodConf);
    assertThat(TestHost.read(host.hbaConf())).isEqualTo(goodHba);
    assertThat(psql.await("show work_mem", "4MB", FEW_RUNS)).as("the live value is the last good one").isEqualTo("4MB");
    assertThat(psql.query("select count(*) from pg_hba_file_rules where address = '127.0.0.2'")).isEqualTo("0");
  }

  private static long count(DaemonProcess d, String needle) {
    return d.log().lines().filter(l -> l.contains(needle)).count();
  }

  @Test
  void applyAndCheckRefuseAFileTheServerRejectsWholeAndTouchNothing() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      host.desired().setting("timezone", BAD_TIMEZONE);
      String bootstrap = host.desired().render();
      host.writeDesired(bootstrap);
      ProcessResult refused = cli.apply().assertExit(1);
      assertThat(refused.output()).as(refused.describe())
          .containsPattern(locatedAt(bootstrap, "timezone") + "the server rejects it: invalid value");
      assertThat(host.data()).as("no initdb for a rejected file").doesNotExist();

      host.desired().removeSetting("timezone");
      host.writeDesired();
      cli.apply().assertExit(2);
      Psql psql = new Psql(host);
      List<FileState> managed = List.of(FileState.of(host.postgresqlConf()), FileState.of(host.hbaConf()), FileState.of(host.autoConf()));
      List<String> goodHba = List.copyOf(host.desired().hba());
      String roles = psql.query("select rolname, rolconnlimit from pg_roles where rolname = 'app'");
      String startTime = new ServerControl(host).startTime();

      for (String bad : List.of("timezone", "wal_levl")) {
        List<String> hba = new java.util.ArrayList<>(goodHba);
        hba.add("host all all 127.0.0.3/32 trust");
        host.desired().setting(bad, bad.equals("timezone") ? BAD_TIMEZONE : "replica").setting("work_mem", "8MB").hba(hba);
        host.desired().role("app").set("connection_limit", 5);
        String yaml = host.desired().render();
        host.writeDesired(yaml);

        for (ProcessResult r : List.of(cli.apply().assertExit(1), cli.check().assertExit(1))) {
          assertThat(r.output()).as(r.describe()).containsPattern(locatedAt(yaml, bad)).contains("result=invalid");
        }
        assertThat(List.of(FileState.of(host.postgresqlConf()), FileState.of(host.hbaConf()), FileState.of(host.autoConf())))
            .as("postgresql.conf, pg_hba.conf and postgresql.auto.conf untouched, mtimes included").isEqualTo(managed);
        assertThat(psql.query("select rolname, rolconnlimit from pg_roles where rolname = 'app'")).as("roles untouched").isEqualTo(roles);
        assertThat(psql.show("work_mem")).isEqualTo("4MB");
        assertThat(new ServerControl(host).startTime()).isEqualTo(startTime);
        host.desired().removeSetting(bad).setting("work_mem", "4MB").hba(goodHba).role("app").set("connection_limit", 20);
      }
      host.writeDesired();
      cli.apply().assertExit(0);
    }
  }
}
