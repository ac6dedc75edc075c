package io.pgconverge.desired;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code validate} where config management runs: a file without self is checked as each of its
 * peers, on a machine that is none of them; apply still takes self from the hostname.
 */
class ValidateEveryPeerTest {
  private static final String NOT_A_PEER = "config-management-host";

  @ParameterizedTest
  @ValueSource(strings = {"single-primary.yaml", "three-node.yaml"})
  void theShippedExamplesValidateOnAHostThatIsNoneOfTheirPeers(String example) {
    Path file = Path.of("../desired-state-examples").resolve(example);
    LoadResult r = DesiredStateLoader.validate(file, Optional.empty(), NOT_A_PEER);
    assertThat(r).as("%s", r).isInstanceOf(LoadResult.Valid.class);
  }

  @Test
  void applyOnAHostThatIsNoPeerStillRefusesTheThreeNodeExample() {
    Path file = Path.of("../desired-state-examples/three-node.yaml");
    LoadResult r = DesiredStateLoader.load(file, NOT_A_PEER);
    assertThat(r).isInstanceOf(LoadResult.Invalid.class);
    assertThat(((LoadResult.Invalid) r).problems().get(0).toString())
        .contains("self: not given, and this host's name \"config-management-host\" is not one of the peers: node1, node2, node3");
  }

  @Test
  void selfNamesTheOnePeerToCheckAs() {
    Path file = Path.of("../desired-state-examples/three-node.yaml");
    assertThat(DesiredStateLoader.validate(file, Optional.of("node2"), NOT_A_PEER)).isInstanceOf(LoadResult.Valid.class);
    LoadResult r = DesiredStateLoader.validate(file, Optional.of("node9"), NOT_A_PEER);
    assertThat(((LoadResult.Invalid) r).problems()).extracting(Problem::field).containsExactly("self");
  }

  @Test
  void aProblemSeenFromSomePeersOnlySaysWhich(@TempDir Path dir) throws Exception {
    // a replica's postgresql.conf gets primary_slot_name from pgconverge; written by hand, it is
    // refused from every peer's point of view, and port's message names each host's own peer
    String text = Files.readString(Path.of("../desired-state-examples/three-node.yaml"))
        .replace("    max_connections: 200", "    max_connections: 200\n    port: 5433");
    Path file = dir.resolve("three-node.yaml");
    Files.writeString(file, text);
    List<String> problems = ((LoadResult.Invalid) DesiredStateLoader.validate(file, Optional.empty(), NOT_A_PEER))
        .problems().stream().map(Problem::message).toList();
    assertThat(problems).containsExactly(
        "pgconverge sets port itself, from this host's peers[0].port; remove it here (with self: node1)",
        "pgconverge sets port itself, from this host's peers[1].port; remove it here (with self: node2)",
        "pgconverge sets port itself, from this host's peers[2].port; remove it here (with self: node3)");
  }

  @Test
  void aQuoteLeftOpenIsReportedWhereItOpened(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("open-quote.yaml");
    String example = Files.readString(Path.of("../desired-state-examples/three-node.yaml"));
    int clusterLine = example.lines().toList().indexOf(example.lines().filter(l -> l.startsWith("cluster: main")).findFirst().orElse("")) + 1;
    Files.writeString(file, example.replace("cluster: main", "cluster: \"main"));
    Problem p = ((LoadResult.Invalid) DesiredStateLoader.validate(file, Optional.empty(), NOT_A_PEER)).problems().get(0);
    assertThat(clusterLine).as("the example has a cluster line").isPositive();
    assertThat(p.location().line()).isEqualTo(clusterLine);
    assertThat(p.location().column()).isEqualTo(10);
  }
}
