package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon, run as a user runs it ({@code java -jar pgconverge.jar daemon}) against a real
 * server, with a schedule of a few seconds: what starts a run, what it reports, what it refuses
 * and how it stops.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DaemonIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Waits for the first in-sync run: the host was bootstrapped and converged. */
  private static JsonNode awaitInSync(DaemonProcess d) {
    return d.awaitStatus(s -> s.path("result").asText().equals("in-sync"), CONVERGE);
  }

  /** Waits for the first successful run (with a long schedule, the bootstrap run is the only one). */
  private static JsonNode awaitConverged(DaemonProcess d) {
    return d.awaitStatus(s -> s.path("success").asBoolean(), CONVERGE);
  }

  /** Replaces the desired-state file as config management does: a new file renamed over it. */
  static Instant push(TestHost host, String yaml) {
    Path tmp = host.dir().resolve(".desired-state.yaml.new");
    try {
      Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Instant at = Instant.now();
      Files.move(tmp, host.desiredStateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return at;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The instant at the start of a text log line. */
  private static Instant timeOf(String logLine) {
    return Instant.parse(logLine.substring(0, logLine.indexOf(' ')));
  }

  @Test
  void writesStatusAndMetricsAfterEachRunLogsJsonWithTheRunIdAndLeavesTheServerRunningOnSigterm() throws Exception {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 2s}");
      host.writeDesired();
      Psql psql = new Psql(host);
      try (DaemonProcess d = DaemonProcess.start(host, "--log-format", "json")) {
        JsonNode first = awaitInSync(d);
        JsonNode next = d.awaitStatus(s -> !s.path("run_id").asText().equals(first.path("run_id").asText()), Duration.ofSeconds(15));

        assertThat(next.path("result").asText()).isEqualTo("in-sync");
        assertThat(next.path("success").asBoolean()).isTrue();
        assertThat(next.path("exit_code").asInt()).isZero();
        assertThat(Instant.parse(next.path("finished_at").asText())).isAfter(Instant.parse(first.path("finished_at").asText()));
        assertThat(next.path("drift")).isEmpty();
        assertThat(next.path("pending_restart")).isEmpty();
        assertThat(next.path("desired_state").path("valid").asBoolean()).isTrue();
        assertThat(next.path("replication").isArray()).isTrue();
        assertThat(next.path("duration_seconds").asDouble()).isPositive();
        Map<String, Double> m = d.metrics();
        assertThat(m).containsEntry("pgconverge_last_run_success", 1.0)
            .containsEntry("pgconverge_drift_items{kind=\"setting\"}", 0.0)
            .containsEntry("pgconverge_role{role=\"primary\"}", 1.0)
            .containsEntry("pgconverge_timeline", 1.0)
            .containsEntry("pgconverge_pending_restart", 0.0)
            .containsEntry("pgconverge_desired_state_valid", 1.0)
            .containsKey("pgconverge_last_run_duration_seconds");
        assertThat(m.entrySet().stream().filter(e -> e.getKey().startsWith("pgconverge_runs_total{"))
                .mapToDouble(Map.Entry::getValue).sum())
            .as("runs counted across runs of the daemon").isGreaterThanOrEqualTo(2.0);
        assertThat(m.get("pgconverge_last_run_timestamp_seconds")).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(30.0));
        assertThat(TestHost.read(DaemonProcess.metricsFile(host))).contains("# TYPE pgconverge_replication_lag_bytes gauge");

        List<JsonNode> lines = new ArrayList<>();
        for (String l : d.log().lines().toList()) {
          lines.add(JSON.readTree(l));
        }
        assertThat(lines).as("every line is a JSON object").allMatch(JsonNode::isObject);
        List<JsonNode> summaries = lines.stream().filter(j -> j.path("msg").asText().contains(" result=")).toList();
        assertThat(summaries).hasSizeGreaterThanOrEqualTo(2);
        assertThat(summaries).allMatch(j -> !j.path("run").asText().isEmpty() && j.path("msg").asText().contains("run=" + j.path("run").asText()));
        assertThat(lines.stream().filter(j -> j.path("msg").asText().startsWith("drift ")))
            .as("drift lines carry the run id").allMatch(j -> j.has("run"));

        Instant term = Instant.now();
        d.signal("TERM");
        d.awaitExit(Duration.ofSeconds(30));
        assertThat(Duration.between(term, Instant.now())).isLessThan(Duration.ofSeconds(30));
        assertThat(new ServerControl(host).isRunning()).as("the server outlives the daemon").isTrue();
        assertThat(psql.query("select 1")).isEqualTo("1");
      }
    }
  }

  @Test
  void aDesiredStateFileRenamedOverTheOldOneStartsARunWithinTwoSeconds() {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 1h}");
      host.writeDesired();
      Psql psql = new Psql(host);
      try (DaemonProcess d = DaemonProcess.start(host)) {
        awaitConverged(d);
        host.desired().setting("work_mem", "8MB");
        Instant pushed = push(host, host.desired().render());

        String started = d.awaitLogLine(l -> l.contains("run started (desired-state file changed)"), Duration.ofSeconds(10));
        assertThat(Duration.between(pushed, timeOf(started))).isLessThan(Duration.ofSeconds(2));
        assertThat(psql.await("show work_mem", "8MB", Duration.ofSeconds(10))).isEqualTo("8MB");

        String before = d.awaitStatus(s -> s.path("drift").toString().contains("work_mem"), Duration.ofSeconds(10))
            .path("run_id").asText();
        d.signal("HUP");
        d.awaitStatus(s -> !s.path("run_id").asText().equals(before), Duration.ofSeconds(5));
        assertThat(d.log()).contains("run started (SIGHUP)");
      }
    }
  }

  @Test
  void fixesDriftMadeByHandAtTheNextScheduledRun() {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 2s, jitter: 0s}");
      host.writeDesired();
      Psql psql = new Psql(host);
      try (DaemonProcess d = DaemonProcess.start(host)) {
        awaitInSync(d);
        String managed = TestHost.read(host.postgresqlConf());
        TestHost.edit(host.postgresqlConf(), managed + "work_mem = '16MB'\n");
        psql.query("select pg_reload_conf()");

        assertThat(psql.await("show work_mem", "4MB", Duration.ofSeconds(20))).isEqualTo("4MB");
        assertThat(TestHost.read(host.postgresqlConf())).isEqualTo(managed);
        d.awaitLogLine(l -> l.contains("drift setting work_mem") && l.contains("[run "), Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void keepsEnforcingTheLastValidStateWhileAnInvalidFileIsReportedOnEveryRun() {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 2s, jitter: 0s}");
      host.writeDesired();
      Psql psql = new Psql(host);
      try (DaemonProcess d = DaemonProcess.start(host)) {
        awaitInSync(d);
        String invalid = host.desired().render().replace("port: " + host.port(), "port: 70000");
        push(host, invalid);
        JsonNode reported = d.awaitStatus(s -> !s.path("desired_state").path("valid").asBoolean(true), Duration.ofSeconds(10));
        assertThat(reported.path("desired_state").path("problems").get(0).asText())
            .matches(".*desired-state\\.yaml:[0-9]+:[0-9]+: peers\\[0\\]\\.port: must be 1-65535, got 70000");
        assertThat(reported.path("desired_state").path("enforcing").asText()).endsWith("desired-state.yaml");

        String managed = TestHost.read(host.postgresqlConf());
        TestHost.edit(host.postgresqlConf(), managed + "work_mem = '16MB'\n");
        psql.query("select pg_reload_conf()");
        assertThat(psql.await("show work_mem", "4MB", Duration.ofSeconds(20))).as("still enforced").isEqualTo("4MB");

        JsonNode later = d.awaitStatus(s -> !s.path("run_id").asText().equals(reported.path("run_id").asText()), Duration.ofSeconds(10));
        assertThat(later.path("desired_state").path("valid").asBoolean()).isFalse();
        assertThat(d.metrics()).containsEntry("pgconverge_desired_state_valid", 0.0);
        assertThat(d.log().lines().filter(l -> l.contains("peers[0].port: must be 1-65535")).count())
            .as("reported on every run").isGreaterThanOrEqualTo(2);

        host.desired().setting("work_mem", "8MB");
        push(host, host.desired().render());
        assertThat(psql.await("show work_mem", "8MB", Duration.ofSeconds(10))).as("a valid file converges at once").isEqualTo("8MB");
        d.awaitStatus(s -> s.path("desired_state").path("valid").asBoolean(), Duration.ofSeconds(10));
      }
    }
  }

  @Test
  void waitsWithoutExitingWhenItStartsWithNoValidFile() {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 2s}");
      host.writeDesired("version: 1\ncluster: [\n");
      try (DaemonProcess d = DaemonProcess.start(host)) {
        JsonNode waiting = d.awaitStatus(s -> s.path("result").asText().equals("invalid"), Duration.ofSeconds(20));
        assertThat(waiting.path("desired_state").path("enforcing").isNull()).isTrue();
        assertThat(d.log()).contains("waiting for a valid desired state");
        assertThat(d.process().isAlive()).isTrue();

        push(host, host.desired().render());
        awaitInSync(d);
        assertThat(new ServerControl(host).isRunning()).isTrue();
      }
    }
  }

  @Test
  void aSecondReconcilerOnTheSameDataDirectoryRefusesNamingTheHoldersPid() {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 1h}");
      host.writeDesired();
      try (DaemonProcess d = DaemonProcess.start(host)) {
        awaitConverged(d);
        long holder = d.reconcilerJvm().pid();

        // apply does not run beside it: it asks the daemon to run (ApplyBesideDaemonIT) and reports that run
        ProcessResult apply = new Cli(host).apply().assertExit(0);
        assertThat(apply.output()).contains("PID " + holder).contains("run_by=daemon").doesNotContain("result=changed");

        try (DaemonProcess second = DaemonProcess.startLogging(host, "second.log")) {
          assertThat(second.awaitExit(Duration.ofSeconds(30))).isNotZero();
          assertThat(second.log()).contains("refusing to start").contains("PID " + holder);
        }
      }
      new Cli(host).apply().assertExit(0);
    }
  }

  @Test
  void holdsARestartForTheMaintenanceWindowAndRestartsInIt() {
    try (TestHost host = TestHost.create()) {
      ServerControl server = new ServerControl(host);
      Psql psql = new Psql(host);
      host.desired().schedule("{every: 2s, jitter: 0s}").restartPolicy("window")
          .window("{cron: '0 0 3 1 1 ? 2099', duration: 1m}");
      host.writeDesired();
      try (DaemonProcess d = DaemonProcess.start(host)) {
        awaitInSync(d);
        String startTime = server.startTime();
        host.desired().setting("shared_buffers", "256MB");
        push(host, host.desired().render());
        JsonNode pending = d.awaitStatus(s -> s.path("pending_restart").toString().contains("shared_buffers"), Duration.ofSeconds(10));
        assertThat(d.awaitMetrics(m -> Double.valueOf(1.0).equals(m.get("pgconverge_pending_restart")), Duration.ofSeconds(10)))
            .containsEntry("pgconverge_pending_restart", 1.0);
        assertThat(pending.path("drift").toString()).contains("waits for the maintenance window");
        assertThat(server.startTime()).as("no restart outside the window").isEqualTo(startTime);

        host.desired().window("{cron: '* * * * * ?', duration: 1m}");
        push(host, host.desired().render());
        d.awaitStatus(s -> s.path("pending_restart").isEmpty() && s.path("drift").toString().contains("restart (maintenance window open)"),
            Duration.ofSeconds(20));
        assertThat(psql.show("shared_buffers")).isEqualTo("256MB");
        assertThat(server.startTime()).as("restarted in the window").isNotEqualTo(startTime);
      }
    }
  }

  @Test
  void sigtermDuringASlowInitdbStopsItRemovesTheStagingDirectoryAndExitsInTime() throws Exception {
    try (TestHost host = TestHost.create()) {
      Path slowBin = host.dir().resolve("slowbin");
      Files.createDirectory(slowBin);
      try (Stream<Path> files = Files.list(TestHost.PG_BIN)) {
        for (Path f : files.toList()) {
          if (!f.getFileName().toString().equals("initdb")) {
            Files.createSymbolicLink(slowBin.resolve(f.getFileName()), f);
          }
        }
      }
      Path initdb = slowBin.resolve("initdb");
      // a pause no other process on the machine has on its command line (parallel runs)
      String pause = "120." + (1000 + new java.util.Random().nextInt(9000));
      Files.writeString(initdb, "#!/bin/sh\n# the real initdb, then a long pause before it returns\n\""
          + TestHost.PG_BIN.resolve("initdb") + "\" \"$@\" || exit $?\nexec sleep " + pause + "\n");
      Files.setPosixFilePermissions(initdb, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(slowBin, PosixFilePermissions.fromString("rwxr-xr-x"));
      host.desired().bin(slowBin).schedule("{every: 1h}");
      host.writeDesired();
      Path staging = host.dir().resolve(".data.pgconverge-new");

      try (DaemonProcess d = DaemonProcess.start(host)) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(staging.resolve("PG_VERSION")) && System.nanoTime() < deadline) {
          Psql.sleep(50);
        }
        assertThat(staging.resolve("PG_VERSION")).as("initdb built the staging directory").exists();
        Psql.sleep(300);

        Instant term = Instant.now();
        d.signal("TERM");
        d.awaitExit(Duration.ofSeconds(30));

        assertThat(Duration.between(term, Instant.now())).isLessThan(Duration.ofSeconds(30));
        assertThat(staging).as("staging directory removed").doesNotExist();
        assertThat(host.data()).as("PGDATA untouched").doesNotExist();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("sleep " + pause)))
            .as("the slow initdb was stopped").isEmpty();
        assertThat(d.log()).contains("stopped 1 running command");
      }
    }
  }
}
