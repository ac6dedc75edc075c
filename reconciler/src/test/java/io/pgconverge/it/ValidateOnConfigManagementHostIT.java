package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Config management validates the file it is about to push on its own machine, which is none of
 * the peers: the jar runs in a UTS namespace whose hostname is {@code cm-runner}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ValidateOnConfigManagementHostIT {
  private static final Path EXAMPLES = Path.of("../desired-state-examples").toAbsolutePath().normalize();

  @Test
  void theShippedExamplesValidateOnAHostThatIsNoPeer() {
    ProcessResult run = onHost("cm-runner", List.of("validate",
        EXAMPLES.resolve("single-primary.yaml").toString(), EXAMPLES.resolve("three-node.yaml").toString()));
    assertThat(run.exitCode()).as(run.describe()).isEqualTo(0);
    assertThat(run.stdout()).contains("valid " + EXAMPLES.resolve("three-node.yaml"));
  }

  @Test
  void validateAsOnePeerAndApplyThereStillNeedSelfToBeAPeer() {
    Path threeNode = EXAMPLES.resolve("three-node.yaml");
    assertThat(onHost("cm-runner", List.of("validate", "--self", "node3", threeNode.toString())).exitCode()).isEqualTo(0);
    ProcessResult wrong = onHost("cm-runner", List.of("validate", "--self", "node9", threeNode.toString()));
    assertThat(wrong.exitCode()).isEqualTo(1);
    assertThat(wrong.stdout()).contains(": self: not given, and this host's name \"node9\" is not one of the peers: node1, node2, node3");
    ProcessResult apply = onHost("cm-runner", List.of("apply", "--config", threeNode.toString()));
    assertThat(apply.exitCode()).as(apply.describe()).isEqualTo(1);
    assertThat(apply.output()).contains("self: not given, and this host's name \"cm-runner\" is not one of the peers");
  }

  /** The jar with {@code args}, in a new UTS namespace whose hostname is {@code hostname}. */
  static ProcessResult onHost(String hostname, List<String> args) {
    List<String> command = new ArrayList<>(List.of("unshare", "--uts", "sh", "-c", "hostname \"$0\" && exec \"$@\"", hostname));
    command.addAll(Cli.command(args));
    return Processes.run(command, Duration.ofSeconds(120));
  }
}
