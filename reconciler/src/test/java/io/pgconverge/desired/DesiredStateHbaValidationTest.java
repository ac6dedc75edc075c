package io.pgconverge.desired;

import static io.pgconverge.desired.DesiredStateFixtures.problems;
import static io.pgconverge.desired.DesiredStateFixtures.text;
import static io.pgconverge.desired.DesiredStateFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The loader with the real {@link io.pgconverge.pg.HbaLine#parse}, through the public API: an hba
 * line that does not parse is a problem pointing into the YAML scalar, and the shipped examples and
 * fixtures hold up against the real parser.
 */

class DesiredStateHbaValidationTest {

  private static LoadResult load(String yaml) {
    return DesiredStateLoader.parse(yaml, Path.of("/etc/pgconverge/desired-state.yaml"), "node1");
  }

  private static String minimalWithHba(String... lines) {
    return text("minimal.yaml")
        .replace("    - local all postgres peer\n", "    - " + String.join("\n    - ", lines) + "\n");
  }

  @Test
  void reportsUnknownMethodAtItsColumnInAPlainScalar() {
    assertThat(problems(load(minimalWithHba("local all postgres pear"))))
        .singleElement()
        .asString()
        .startsWith(
            "/etc/pgconverge/desired-state.yaml:11:26: postgres.hba[0]: unknown authentication method \"pear\"");
  }

  @Test
  void reportsUnknownMethodAtItsColumnInAQuotedScalar() {
    assertThat(problems(load(minimalWithHba("local all postgres peer", "'host all all 10.0.0.0/8 pear'"))))
        .singleElement()
        .asString()
        .startsWith(
            "/etc/pgconverge/desired-state.yaml:12:32: postgres.hba[1]: unknown authentication method \"pear\"");
  }

  @Test
  void reportsEveryLineThatDoesNotParse() {
    assertThat(problems(load(minimalWithHba("local all postgres peer", "hots all all 10.0.0.1/32 md5", "local all"))))
        .hasSize(2)
        .anyMatch(p -> p.startsWith("/etc/pgconverge/desired-state.yaml:12:7: postgres.hba[1]: "))
        .anyMatch(p -> p.startsWith("/etc/pgconverge/desired-state.yaml:13:") && p.contains("postgres.hba[2]: "));
  }

  @Test
  void acceptsThePeersAddressKeyword() {
    DesiredState state =
        valid(load(minimalWithHba("local all postgres peer", "host replication replicator peers scram-sha-256")));

    assertThat(state.postgres().hba()).hasSize(2);
  }

  @Test
  void refusesHbaThatLocksTheReconcilerOutWithTheRealParser() {
    assertThat(problems(load(text("locked-out-no-local-line.yaml"))))
        .singleElement()
        .asString()
        .contains(":9:3: postgres.hba: no local line lets \"postgres\" connect with peer authentication");
    assertThat(problems(load(text("locked-out-by-password-line.yaml"))))
        .singleElement()
        .asString()
        .contains(":11:7: postgres.hba[1]: no local line lets \"postgres\" connect");
  }

  @Test
  void loadsTheFullFixture() {
    valid(DesiredStateLoader.parse(text("full.yaml"), Path.of("full.yaml"), "node1"));
  }

  @ParameterizedTest
  @MethodSource("io.pgconverge.desired.DesiredStateExamplesTest#examples")
  void loadsEveryShippedExampleAsValid(Path example) throws IOException {
    valid(DesiredStateLoader.load(example, "node1"));
  }

  @Test
  void loadsAFileFromDisk(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path file = dir.resolve("desired-state.yaml");
    Files.writeString(file, text("minimal.yaml"));

    assertThat(valid(DesiredStateLoader.load(file, "node1")).source()).isEqualTo(file);
  }
}
