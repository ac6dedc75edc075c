package io.pgconverge.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The monitoring kit under contrib/: the alert rules pass {@code promtool check rules} and their
 * own unit tests ({@code promtool test rules}), and the rules and the Grafana dashboard query only
 * metrics that {@link MetricsText} writes.
 */
class MonitoringKitTest {
  private static final Path CONTRIB = Path.of("..", "contrib").toAbsolutePath().normalize();
  private static final Path RULES = CONTRIB.resolve("prometheus/pgconverge.rules.yml");
  private static final Path RULE_TESTS = CONTRIB.resolve("prometheus/pgconverge.rules.test.yml");
  private static final Path DASHBOARD = CONTRIB.resolve("grafana/pgconverge.json");
  private static final Pattern METRIC = Pattern.compile("\\bpgconverge_[a-z_]+");

  /** promtool from Debian's prometheus package; under CI=true its absence fails the test. */
  private static String promtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "promtool"))) {
        return Path.of(dir, "promtool").toString();
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError("promtool is not installed: .ci/run installs Debian's prometheus package, which ships it");
    }
    Assumptions.abort("promtool is not installed (apt-get install prometheus): the alert rules are not checked");
    return null;
  }

  private static String run(List<String> argv) throws Exception {
    Process p = new ProcessBuilder(argv).directory(RULES.getParent().toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", argv) + " did not finish within 60 s: " + out);
    }
    assertThat(p.exitValue()).as(String.join(" ", argv) + " says:\n" + out).isZero();
    return out;
  }

  @Test
  void alertRulesPassPromtoolCheckRules() throws Exception {
    String out = run(List.of(promtool(), "check", "rules", RULES.toString()));
    assertThat(out).contains("SUCCESS: 6 rules found");
  }

  @Test
  void alertRulesPassTheirUnitTestsInPromtool() throws Exception {
    assertThat(run(List.of(promtool(), "test", "rules", RULE_TESTS.toString()))).contains("SUCCESS");
  }

  @Test
  void everyAlertTheIssueAsksForExistsAndHasATest() throws Exception {
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
    List<String> alerts = new ArrayList<>();
    rules.path("groups").forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
    assertThat(alerts).containsExactlyInAnyOrder("PgconvergeNoRecentRun", "PgconvergeRunFailing", "PgconvergeReplicaNotStreaming",
        "PgconvergeReplicationLagHigh", "PgconvergePendingRestart", "PgconvergeDesiredStateInvalid");
    String tests = Files.readString(RULE_TESTS);
    for (String a : alerts) {
      assertThat(tests).as("a firing test of " + a).containsPattern("alertname: " + a + "\\n\\s+exp_alerts:\\n\\s+- exp_labels");
    }
  }

  @Test
  void dashboardIsValidJsonAndQueriesOnlyMetricsThatPgconvergeWrites() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> exprs = new ArrayList<>();
    dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
    assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(10);
    assertThat(exprs).as("every panel queries something").hasSizeGreaterThanOrEqualTo(dashboard.path("panels").size());
    Set<String> used = new TreeSet<>();
    for (String e : exprs) {
      Set<String> in = metricsIn(e);
      assertThat(in).as("a pgconverge metric in " + e).isNotEmpty();
      used.addAll(in);
    }
    used.addAll(metricsIn(dashboard.path("templating").toString()));
    assertThat(emitted()).containsAll(used);
    assertThat(used).as("the dashboard shows the metrics the issue names")
        .contains("pgconverge_role", "pgconverge_timeline", "pgconverge_replication_connected", "pgconverge_replication_lag_seconds",
            "pgconverge_runs_total", "pgconverge_drift_items", "pgconverge_build_info");
  }

  @Test
  void alertRulesQueryOnlyMetricsThatPgconvergeWrites() throws Exception {
    assertThat(emitted()).containsAll(metricsIn(Files.readString(RULES).replaceAll("(?m)^\\s*#.*$", "")));
  }

  private static Set<String> metricsIn(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  /** The metric names of a rendered metrics file, from its TYPE lines. */
  private static Set<String> emitted() {
    RunStatus s = new RunStatus("r", Instant.EPOCH, Instant.EPOCH, RunResult.IN_SYNC, Duration.ZERO, List.of(), List.of(), List.of(),
        new RunStatus.DesiredStateStatus(Path.of("x.yaml"), true, List.of(), Optional.empty()), List.of());
    Set<String> names = new TreeSet<>();
    for (String line : MetricsText.render(s).lines().toList()) {
      if (line.startsWith("# TYPE ")) {
        names.add(line.split(" ")[2]);
      }
    }
    return names;
  }
}
