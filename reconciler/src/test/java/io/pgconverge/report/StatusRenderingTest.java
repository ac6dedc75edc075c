package io.pgconverge.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.apply.Outcome;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.DriftKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status file and the metrics file are rendered, then parsed back as their readers would. */
class StatusRenderingTest {
  private static final Path FILE = Path.of("/etc/pgconverge/desired-state.yaml");
  private static final Instant END = Instant.parse("2026-11-26T08:00:00.250Z");
  private static final Drift WORK_MEM =
      new Drift(DriftKind.SETTING, "work_mem", "4MB", "16MB in the running server", "reload", "postgres.settings.work_mem (x:1:1)");

  private static RunReport report(List<Outcome> outcomes, List<String> pending) {
    return new RunReport("abc123", false, FILE, END.minusMillis(42), Duration.ofMillis(42), List.of(WORK_MEM), outcomes,
        List.of(), pending, List.of(),
        List.of(new RunStatus.ReplicationPeer("node2", "streaming", 4096), new RunStatus.ReplicationPeer("node3", "not connected", -1)));
  }

  private static RunStatus.DesiredStateStatus valid() {
    return new RunStatus.DesiredStateStatus(FILE, true, List.of(), Optional.of(FILE));
  }

  @Test
  void statusJsonHoldsTheRunItsDriftAndTheDesiredState() throws Exception {
    Action reload = new Action.ReloadServer(List.of("settings work_mem"), List.of());
    RunStatus s = RunStatus.of(report(List.of(new Outcome.Applied(reload, "reloaded")), List.of("shared_buffers")), END, valid());

    JsonNode j = new ObjectMapper().readTree(StatusFileJson.render(s));

    assertThat(j.path("format").asInt()).isEqualTo(1);
    assertThat(j.path("run_id").asText()).isEqualTo("abc123");
    assertThat(Instant.parse(j.path("finished_at").asText())).isEqualTo(END);
    assertThat(j.path("result").asText()).isEqualTo("changed");
    assertThat(j.path("success").asBoolean()).isTrue();
    assertThat(j.path("exit_code").asInt()).isEqualTo(2);
    assertThat(j.path("duration_seconds").asDouble()).isEqualTo(0.042);
    assertThat(j.path("drift")).hasSize(1);
    JsonNode d = j.path("drift").get(0);
    assertThat(List.of(d.path("kind").asText(), d.path("subject").asText(), d.path("desired").asText(),
            d.path("actual").asText(), d.path("remedy").asText()))
        .containsExactly("setting", "work_mem", "4MB", "16MB in the running server", "reload");
    assertThat(j.path("pending_restart").get(0).asText()).isEqualTo("shared_buffers");
    assertThat(j.path("desired_state").path("valid").asBoolean()).isTrue();
    assertThat(j.path("desired_state").path("enforcing").asText()).isEqualTo(FILE.toString());
    assertThat(j.path("replication")).hasSize(2);
    assertThat(j.path("replication").get(0).path("peer").asText()).isEqualTo("node2");
    assertThat(j.path("replication").get(0).path("state").asText()).isEqualTo("streaming");
    assertThat(j.path("replication").get(0).path("lag_bytes").asLong()).isEqualTo(4096);
    assertThat(j.path("replication").get(1).path("state").asText()).isEqualTo("not connected");
  }

  @Test
  void aPeerWhoseLagIsUnknownHasNoLagSample() {
    RunStatus s = RunStatus.of(report(List.of(), List.of()), END, valid());
    Map<String, Double> samples = parse(MetricsText.render(s));
    assertThat(samples).containsEntry("pgconverge_replication_lag_bytes{peer=\"node2\"}", 4096.0)
        .doesNotContainKey("pgconverge_replication_lag_bytes{peer=\"node3\"}");
  }

  @Test
  void statusJsonOfAFailedRunNamesTheCauseAndOfAWaitingDaemonTheProblems() throws Exception {
    Action reload = new Action.ReloadServer(List.of("settings work_mem"), List.of());
    RunStatus failed = RunStatus.of(report(List.of(new Outcome.Failed(reload, "connection refused")), List.of()), END, valid());
    JsonNode f = new ObjectMapper().readTree(StatusFileJson.render(failed));
    assertThat(f.path("result").asText()).isEqualTo("failed");
    assertThat(f.path("success").asBoolean()).isFalse();
    assertThat(f.path("exit_code").asInt()).isEqualTo(4);
    assertThat(f.path("failures").get(0).asText()).contains("connection refused");

    String problem = FILE + ":3:10: peers[0].port: must be 1-65535, got 70000";
    RunStatus waiting = RunStatus.waiting("w1", END, Duration.ofMillis(3),
        new RunStatus.DesiredStateStatus(FILE, false, List.of(problem), Optional.empty()));
    JsonNode w = new ObjectMapper().readTree(StatusFileJson.render(waiting));
    assertThat(w.path("result").asText()).isEqualTo("invalid");
    assertThat(w.path("desired_state").path("valid").asBoolean()).isFalse();
    assertThat(w.path("desired_state").path("problems").get(0).asText()).isEqualTo(problem);
    assertThat(w.path("desired_state").path("enforcing").isNull()).isTrue();
  }

  @Test
  void metricsTextHasHelpAndTypeForEveryMetricAndParsesBack() {
    RunStatus s = new RunStatus("r", END.minusMillis(7), END, RunResult.IN_SYNC, Duration.ofMillis(7), List.of(WORK_MEM), List.of("a", "b"),
        List.of(), new RunStatus.DesiredStateStatus(FILE, false, List.of("x"), Optional.of(FILE)),
        List.of(new RunStatus.ReplicationPeer("node\"2", "streaming", 1024)));

    String text = MetricsText.render(s);
    Map<String, Double> samples = parse(text);

    assertThat(samples).containsEntry("pgconverge_last_run_timestamp_seconds", END.toEpochMilli() / 1000.0)
        .containsEntry("pgconverge_last_run_success", 1.0)
        .containsEntry("pgconverge_drift_items{kind=\"setting\"}", 1.0)
        .containsEntry("pgconverge_drift_items{kind=\"role\"}", 0.0)
        .containsEntry("pgconverge_pending_restart", 2.0)
        .containsEntry("pgconverge_desired_state_valid", 0.0)
        .containsEntry("pgconverge_desired_state_problems", 1.0)
        .containsEntry("pgconverge_last_run_duration_seconds", 0.007)
        .containsEntry("pgconverge_replication_lag_bytes{peer=\"node\\\"2\"}", 1024.0)
        .containsEntry("pgconverge_server_crash_restarts_total", 0.0);
    assertThat(MetricsText.counterIn(MetricsText.render(s, 3), MetricsText.SERVER_CRASH_RESTARTS))
        .as("the counter reads back, so a one-shot apply carries it on").isEqualTo(3);
    List<String> typed = new ArrayList<>();
    List<String> helped = new ArrayList<>();
    for (String line : text.lines().toList()) {
      if (line.startsWith("# TYPE ")) {
        typed.add(line.split(" ")[2]);
        assertThat(line).endsWith(line.contains("_total") ? " counter" : " gauge");
      } else if (line.startsWith("# HELP ")) {
        helped.add(line.split(" ")[2]);
      }
    }
    assertThat(typed).containsExactly("pgconverge_build_info", "pgconverge_last_run_timestamp_seconds",
        "pgconverge_last_run_success", "pgconverge_runs_total", "pgconverge_drift_items", "pgconverge_pending_restart",
        "pgconverge_role", "pgconverge_timeline", "pgconverge_replication_connected", "pgconverge_replication_lag_bytes",
        "pgconverge_replication_lag_seconds", "pgconverge_replication_sync", "pgconverge_desired_state_valid", "pgconverge_desired_state_problems",
        "pgconverge_last_run_duration_seconds", "pgconverge_server_crash_restarts_total");
    assertThat(helped).isEqualTo(typed);
    assertThat(text).endsWith("\n");
  }

  @Test
  void metricsTextWithoutPeersHasTheLagHeaderButNoSample() {
    RunStatus s = RunStatus.waiting("w", END, Duration.ZERO, new RunStatus.DesiredStateStatus(FILE, false, List.of("p"), Optional.empty()));
    Map<String, Double> samples = parse(MetricsText.render(s));
    assertThat(samples.keySet()).noneMatch(k -> k.startsWith("pgconverge_replication_lag_bytes"));
    assertThat(samples).containsEntry("pgconverge_last_run_success", 0.0).containsEntry("pgconverge_desired_state_valid", 0.0);
    assertThat(MetricsText.render(s)).contains("# TYPE pgconverge_replication_lag_bytes gauge\n");
  }

  @Test
  void metricsSayTheRoleTimelineWhichReplicasStreamTheirLagInSecondsAndCountRunsByResult() {
    RunStatus s = new RunStatus("r", END, END, RunResult.CHANGED, Duration.ofMillis(7), List.of(), List.of(), List.of(), valid(),
        List.of(new RunStatus.ReplicationPeer("node2", "streaming", 4096, 0.25),
            new RunStatus.ReplicationPeer("node3", "not connected", -1, -1)),
        new RunStatus.ServerView("primary", 3));

    Map<String, Double> m = parse(MetricsText.render(s, Map.of(RunResult.IN_SYNC, 41L, RunResult.CHANGED, 2L)));

    assertThat(m).containsEntry("pgconverge_role{role=\"primary\"}", 1.0)
        .containsEntry("pgconverge_role{role=\"replica\"}", 0.0)
        .containsEntry("pgconverge_role{role=\"none\"}", 0.0)
        .containsEntry("pgconverge_timeline", 3.0)
        .containsEntry("pgconverge_replication_connected{peer=\"node2\"}", 1.0)
        .containsEntry("pgconverge_replication_connected{peer=\"node3\"}", 0.0)
        .containsEntry("pgconverge_replication_lag_seconds{peer=\"node2\"}", 0.25)
        .doesNotContainKey("pgconverge_replication_lag_seconds{peer=\"node3\"}")
        .containsEntry("pgconverge_runs_total{result=\"in-sync\"}", 41.0)
        .containsEntry("pgconverge_runs_total{result=\"changed\"}", 2.0)
        .containsEntry("pgconverge_runs_total{result=\"failed\"}", 0.0)
        .containsEntry("pgconverge_build_info{version=\"unknown\"}", 1.0);
  }

  @Test
  void metricsAndStatusFileSayWhichStandbysThePrimaryWaitsForOnEachCommit() throws Exception {
    RunStatus s = new RunStatus("r", END, END, RunResult.IN_SYNC, Duration.ofMillis(7), List.of(), List.of(), List.of(), valid(),
        List.of(new RunStatus.ReplicationPeer("node2", "streaming", 0, 0, "quorum"),
            new RunStatus.ReplicationPeer("node3", "streaming", 0, 0, "async"),
            new RunStatus.ReplicationPeer("node4", "not connected", -1, -1, null)),
        new RunStatus.ServerView("primary", 1));

    Map<String, Double> m = parse(MetricsText.render(s));
    JsonNode j = new ObjectMapper().readTree(StatusFileJson.render(s));

    assertThat(m).containsEntry("pgconverge_replication_sync{peer=\"node2\",state=\"quorum\"}", 1.0)
        .containsEntry("pgconverge_replication_sync{peer=\"node3\",state=\"async\"}", 0.0);
    assertThat(m.keySet()).noneMatch(k -> k.startsWith("pgconverge_replication_sync{peer=\"node4\""));
    assertThat(j.path("replication").get(0).path("sync_state").asText()).isEqualTo("quorum");
    assertThat(j.path("replication").get(2).path("sync_state").isNull()).isTrue();
  }

  @Test
  void aServerThatDidNotAnswerHasRoleNoneAndTimelineZero() {
    Map<String, Double> m = parse(MetricsText.render(RunStatus.of(report(List.of(), List.of()), END, valid())));
    assertThat(m).containsEntry("pgconverge_role{role=\"none\"}", 1.0).containsEntry("pgconverge_timeline", 0.0)
        .containsEntry("pgconverge_runs_total{result=\"in-sync\"}", 1.0);
  }

  /** Sample lines as "name{labels}" → value, as a Prometheus text parser reads them. */
  static Map<String, Double> parse(String text) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (String line : text.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
    }
    return m;
  }
}
