package io.pgconverge.desired;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shipped example in desired-state-examples/ passes the loader's rules. Their hba lines go
 * through {@link SplittingHbaParser}; {@link DesiredStateHbaValidationTest} loads them with the
 * real parser.
 */
class DesiredStateExamplesTest {
  static final Path EXAMPLES = Path.of("../desired-state-examples");

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      return yaml.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void loadsAsValid(Path example) throws IOException {
    String text = Files.readString(example);

    DesiredStateFixtures.valid(
        DesiredStateLoader.parse(text, example, "node1", SplittingHbaParser.INSTANCE));
  }

  /** Editors with the YAML language server (VS Code, Neovim, ...) complete and check it. */
  @ParameterizedTest
  @MethodSource("examples")
  void firstLinePointsEditorsAtTheSchema(Path example) throws IOException {
    String first = Files.readAllLines(example).get(0);
    assertThat(first).isEqualTo("# yaml-language-server: $schema=../resources/desired-state.schema.json");
    assertThat(example.resolveSibling(first.substring(first.indexOf('=') + 1))).isRegularFile();
  }

  @Test
  void shipsTheSinglePrimaryAndTheThreeNodeExample() throws IOException {
    assertThat(examples().map(p -> p.getFileName().toString()))
        .contains("single-primary.yaml", "three-node.yaml");
  }

  @Test
  void singlePrimaryRunsOnALocalPortUnderTmp() throws IOException {
    Path file = EXAMPLES.resolve("single-primary.yaml");
    DesiredState state =
        DesiredStateFixtures.valid(
            DesiredStateLoader.parse(
                Files.readString(file), file, "some-hostname", SplittingHbaParser.INSTANCE));

    assertThat(state.selfPeer().host()).isEqualTo("127.0.0.1");
    assertThat(state.port()).isEqualTo(54320);
    assertThat(state.postgres().data()).isEqualTo(Path.of("/tmp/pgconverge-example/data"));
    assertThat(state.postgres().socketDirectory()).isEqualTo(Path.of("/tmp/pgconverge-example"));
    assertThat(state.postgres().settings())
        .containsEntry("wal_keep_size", "152MB")
        .containsEntry("wal_log_hints", "on")
        .containsEntry("listen_addresses", "127.0.0.1");
    assertThat(state.roles()).extracting(RoleSpec::name).containsExactly("replicator", "app");
    assertThat(state.policy().restart()).isEqualTo(RestartPolicy.NEVER);
  }

  @Test
  void threeNodeUsesTheDebianLayout() throws IOException {
    Path file = EXAMPLES.resolve("three-node.yaml");
    DesiredState state =
        DesiredStateFixtures.valid(
            DesiredStateLoader.parse(Files.readString(file), file, "node3", SplittingHbaParser.INSTANCE));

    assertThat(state.primary().host()).isEqualTo("10.0.0.11");
    assertThat(state.peers()).extracting(Peer::role)
        .containsExactly(PeerRole.PRIMARY, PeerRole.REPLICA, PeerRole.REPLICA);
    assertThat(state.postgres().separateConfig()).isTrue();
    assertThat(state.postgres().hbaConf()).isEqualTo(Path.of("/etc/postgresql/15/main/pg_hba.conf"));
  }
}
