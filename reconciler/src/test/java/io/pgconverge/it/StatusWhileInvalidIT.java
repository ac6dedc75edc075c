package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code status} while the desired-state file on disk is invalid: the host is still shown, with
 * the last valid state the daemon keeps enforcing and the new file's problems side by side.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StatusWhileInvalidIT {
  @Test
  void statusShowsTheHostWithTheLastValidStateAndTheNewFilesProblems() throws Exception {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 1h}");
      host.writeDesired();
      try (DaemonProcess d = DaemonProcess.start(host)) {
        d.awaitStatus(s -> s.path("success").asBoolean(), Duration.ofSeconds(60));
        String valid = TestHost.read(host.desiredStateFile());
        assertThat(valid).contains("policy: {restart: never");
        host.writeDesired(valid.replace("policy: {restart: never", "policy: {restart: sometimes"));
        d.awaitStatus(s -> !s.path("desired_state").path("valid").asBoolean(true), Duration.ofSeconds(15));
        String statusFile = DaemonProcess.statusFile(host).toString();

        ProcessResult json = new Cli(host).run("status", "--config", host.desiredStateFile().toString(), "--status-file", statusFile,
            "--json").assertExit(1);
        ProcessResult table = new Cli(host).run("status", "--config", host.desiredStateFile().toString(), "--status-file", statusFile)
            .assertExit(1);

        JsonNode s = new ObjectMapper().readTree(json.stdout());
        assertThat(s.path("self").asText()).isEqualTo("node1");
        assertThat(s.path("server").asText()).isEqualTo("running");
        assertThat(s.path("desired_state").path("valid").asBoolean()).isFalse();
        assertThat(s.path("desired_state").path("problems").toString()).contains("policy.restart").contains("sometimes");
        assertThat(s.path("desired_state").path("enforcing").asText()).endsWith("desired-state.last-valid.yaml");
        assertThat(s.path("last_run").path("desired_state").path("valid").asBoolean(true)).isFalse();
        assertThat(table.stdout()).contains("INVALID").contains("sometimes").contains("node1").contains("running");
        assertThat(TestHost.read(DaemonProcess.statusFile(host).resolveSibling("desired-state.last-valid.yaml"))).isEqualTo(valid);
      }
    }
  }
}
