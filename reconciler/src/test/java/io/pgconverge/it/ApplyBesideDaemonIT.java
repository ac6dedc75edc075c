package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a playbook does after pushing the desired-state file to a host whose daemon runs: {@code
 * apply} asks that daemon to run now and reports that run; and {@code check --json}, which a
 * playbook reads instead of log lines.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ApplyBesideDaemonIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ProcessResult applyBeside(TestHost host, String... extra) {
    List<String> args = new ArrayList<>(List.of("apply", "--config", host.desiredStateFile().toString(),
        "--status-file", DaemonProcess.statusFile(host).toString(), "--metrics-file", DaemonProcess.metricsFile(host).toString()));
    args.addAll(List.of(extra));
    return new Cli(host).run(args.toArray(String[]::new));
  }

  @Test
  void applyBesideARunningDaemonHasItRunNowAndExitsWithThatRunsResult() throws Exception {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 1h}");
      host.writeDesired();
      try (DaemonProcess d = DaemonProcess.start(host)) {
        JsonNode first = d.awaitStatus(s -> s.path("success").asBoolean(), Duration.ofSeconds(60));

        // nothing changed: the daemon runs once more (its schedule is an hour away) and apply says in sync
        ProcessResult inSync = applyBeside(host).assertExit(0);
        JsonNode after = d.status().orElseThrow();
        assertThat(after.path("run_id").asText()).isNotEqualTo(first.path("run_id").asText());
        assertThat(after.path("result").asText()).isEqualTo("in-sync");
        assertThat(inSync.output()).contains("asked the pgconverge daemon (PID ")
            .contains("run=" + after.path("run_id").asText()).contains("result=in-sync").contains("run_by=daemon");
        assertThat(inSync.output()).doesNotContain("already reconciling");

        // a new work_mem pushed: once apply returns, the server runs with it (the watcher may have
        // run first, then apply's run finds it in sync; either way the run apply reports read the new file)
        host.desired().setting("work_mem", "12MB");
        host.writeDesired();
        ProcessResult changed = applyBeside(host, "--timeout", "30").assertExit(0, 2);
        assertThat(new Psql(host).show("work_mem")).isEqualTo("12MB");
        assertThat(changed.output()).contains("run_by=daemon");
      }
    }
  }

  @Test
  void applyBesideADaemonThatEnforcesAnotherFileIsRefused() throws Exception {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 1h}");
      host.writeDesired();
      java.nio.file.Path copy = host.dir().resolve("copy.yaml");
      java.nio.file.Files.copy(host.desiredStateFile(), copy);
      java.nio.file.Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      try (DaemonProcess d = DaemonProcess.start(host)) {
        d.awaitStatus(s -> s.path("success").asBoolean(), Duration.ofSeconds(60));
        String runBefore = d.status().orElseThrow().path("run_id").asText();

        ProcessResult refused = new Cli(host).run("apply", "--config", copy.toString()).assertExit(4);

        assertThat(refused.output()).contains("enforces " + host.desiredStateFile()).contains("not " + copy);
        assertThat(d.status().orElseThrow().path("run_id").asText()).isEqualTo(runBefore);
      }
    }
  }

  @Test
  void checkJsonPrintsTheDriftAndThePlannedActionsAsOneDocumentWithoutSecrets() throws Exception {
    try (TestHost host = TestHost.create()) {
      host.writeDesired();
      Cli cli = new Cli(host);
      cli.apply().assertExit(2);
      host.desired().setting("work_mem", "24MB").setting("max_connections", "90");
      host.writeDesired();

      ProcessResult check = cli.run("check", "--config", host.desiredStateFile().toString(), "--json").assertExit(2);

      JsonNode plan = JSON.readTree(check.stdout());
      assertThat(plan.path("result").asText()).isEqualTo("drift");
      assertThat(plan.path("exit_code").asInt()).isEqualTo(2);
      List<String> subjects = new ArrayList<>();
      plan.path("drift").forEach(d -> subjects.add(d.path("subject").asText()));
      assertThat(subjects).contains("work_mem");
      List<String> actions = new ArrayList<>();
      plan.path("actions").forEach(a -> actions.add(a.path("action").asText() + " -> " + a.path("outcome").asText()));
      assertThat(actions).anyMatch(a -> a.contains("postgresql.conf"));
      assertThat(plan.path("pending_restart").toString()).contains("max_connections");
      assertThat(plan.path("refusals").isArray()).isTrue();
      assertThat(new Psql(host).show("work_mem")).isEqualTo("4MB");
    }
  }
}
