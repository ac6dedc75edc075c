package io.pgconverge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A mistyped command gets picocli's "Did you mean: pgconverge apply?", a mistyped option its
 * "Possible solutions: --config"; both exit 1 (bad command line).
 */
class SuggestionsTest {
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return cl.execute(args);
  }

  @Test
  void aMistypedCommandIsAnsweredWithTheCommandItResembles() {
    assertThat(run("aply")).isEqualTo(1);
    assertThat(err.toString()).contains("'aply'").containsPattern("Did you mean: (pgconverge )?apply\\?");
  }

  @Test
  void aMistypedOptionIsAnsweredWithTheOptionItResembles() {
    assertThat(run("apply", "--confg", "/etc/pgconverge/desired-state.yaml")).isEqualTo(1);
    assertThat(err.toString()).contains("--confg").containsPattern("(?m)^Possible solutions: --config$");
  }

  @Test
  void aMistypedOptionOfAnotherCommandIsAnsweredFromThatCommandsOptions() {
    assertThat(run("check", "--dif")).isEqualTo(1);
    assertThat(err.toString()).containsPattern("(?m)^Possible solutions: --diff$");
  }

  @Test
  void nothingCloseGetsTheUsageHelpInstead() {
    assertThat(run("zzzzzz")).isEqualTo(1);
    assertThat(err.toString()).doesNotContain("Did you mean", "Possible solutions").contains("Usage: pgconverge");
  }
}
