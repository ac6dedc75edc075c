package io.pgconverge.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.plan.SynchronousStandbys;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A degraded primary (strict: false, no standby streaming) says so in the status file, the metrics and the log. */
class SynchronousDegradedReportTest {
  private static final Path FILE = Path.of("/etc/pgconverge/desired-state.yaml");
  private static final Instant END = Instant.parse("2026-12-02T03:00:00Z");
  private static final String DECLARED = "ANY 1 (\"node2\", \"node3\")";

  private static RunReport report(SynchronousStandbys.Decision d) {
    return new RunReport("r1", false, FILE, END.minusMillis(5), Duration.ofMillis(5), List.of(), List.of(), List.of(), List.of(),
        List.of(), List.of(), RunStatus.ServerView.UNKNOWN, Optional.ofNullable(d));
  }

  private static RunStatus status(SynchronousStandbys.Decision d) {
    return RunStatus.of(report(d), END, new RunStatus.DesiredStateStatus(FILE, true, List.of(), Optional.of(FILE)));
  }

  private static final SynchronousStandbys.Decision DEGRADED =
      new SynchronousStandbys.Decision(DECLARED, "", false, 1, List.of(), List.of("node2", "node3"));
  private static final SynchronousStandbys.Decision HEALTHY =
      new SynchronousStandbys.Decision(DECLARED, DECLARED, false, 1, List.of("node2"), List.of("node3"));

  @Test
  void theStatusFileShowsTheDeclaredAndTheEffectiveListAndWhy() throws Exception {
    JsonNode s = new ObjectMapper().readTree(StatusFileJson.render(status(DEGRADED))).path("synchronous");

    assertThat(s.path("declared").asText()).isEqualTo(DECLARED);
    assertThat(s.path("effective").asText()).isEmpty();
    assertThat(s.path("degraded").asBoolean()).isTrue();
    assertThat(s.path("missing").toString()).isEqualTo("[\"node2\",\"node3\"]");
    assertThat(s.path("reason").asText()).contains("0 of the 1").contains("node2, node3");
  }

  @Test
  void theMetricIsOneWhileDegradedZeroOtherwiseAndAbsentWithoutTheSection() {
    assertThat(MetricsText.render(status(DEGRADED))).contains("\npgconverge_replication_synchronous_degraded 1\n");
    assertThat(MetricsText.render(status(HEALTHY))).contains("\npgconverge_replication_synchronous_degraded 0\n");
    assertThat(MetricsText.render(status(null))).doesNotContain("pgconverge_replication_synchronous_degraded");
    assertThat(StatusFileJson.render(status(null))).doesNotContain("\"synchronous\"");
  }

  @Test
  void everyRunEndsWithAWarningWhileDegradedAndNoneOtherwise() {
    assertThat(ReportLines.end(report(DEGRADED))).anySatisfy(l -> {
      assertThat(l.warning()).isTrue();
      assertThat(l.text()).contains("degraded to asynchronous").contains("not streaming: node2, node3");
    });
    assertThat(ReportLines.end(report(HEALTHY))).noneMatch(l -> l.text().contains("degraded"));
  }
}
