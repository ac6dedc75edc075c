package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateLoader;
import io.pgconverge.desired.LoadResult;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What synchronous_standby_names each host of a three-node cluster gets, and the postgresql.conf it lands in. */
class SynchronousStandbysTest {
  private static final String FILE = """
      version: 1
      cluster: main
      peers:
        - {name: node1, host: 10.0.0.11, role: primary}
        - {name: node-2, host: 10.0.0.12, role: replica}
        - {name: node3, host: 10.0.0.13, role: replica}
      postgres:
        data: /var/lib/postgresql/15/main
        hba:
          - local all postgres peer
          - host replication replicator peers scram-sha-256
      roles:
        - {name: replicator, login: true, replication: true}
      replication:
        user: replicator
        password_file: /etc/pgconverge/replicator.password
      """;

  private static DesiredState on(String self, String text) {
    LoadResult r = DesiredStateLoader.parse(text, Path.of("/etc/pgconverge/desired-state.yaml"), self);
    assertThat(r).isInstanceOf(LoadResult.Valid.class);
    return ((LoadResult.Valid) r).state();
  }

  @Test
  void thePrimaryListsEveryOtherPeerInTheOrderOfPeersQuoted() {
    String text = FILE + "  synchronous: {method: any, number: 1}\n";

    assertThat(SynchronousStandbys.of(on("node1", text))).hasValue("ANY 1 (\"node-2\", \"node3\")");
    assertThat(ManagedFiles.postgresqlConf(on("node1", text)))
        .contains("synchronous_standby_names = 'ANY 1 (\"node-2\", \"node3\")'");
  }

  @Test
  void firstKeepsThePeersOrderAndLeavesOutANosyncPeer() {
    String text = FILE.replace("host: 10.0.0.13, role: replica}", "host: 10.0.0.13, role: replica, nosync: true}")
        + "  synchronous: {method: first, number: 1}\n";

    assertThat(SynchronousStandbys.of(on("node1", text))).hasValue("FIRST 1 (\"node-2\")");
  }

  @Test
  void replicasAndAnAsynchronousClusterWriteNoValue() {
    String text = FILE + "  synchronous: {method: any, number: 1}\n";

    assertThat(SynchronousStandbys.of(on("node-2", text))).isEmpty();
    assertThat(ManagedFiles.postgresqlConf(on("node-2", text))).doesNotContain("synchronous_standby_names");
    assertThat(SynchronousStandbys.of(on("node1", FILE))).isEmpty();
    assertThat(ManagedFiles.postgresqlConf(on("node1", FILE))).doesNotContain("synchronous_standby_names");
  }

  @Test
  void afterASwitchoverTheNewPrimaryListsTheOldOne() {
    String swapped = (FILE + "  synchronous: {method: any, number: 1}\n")
        .replace("host: 10.0.0.11, role: primary}", "host: 10.0.0.11, role: replica}")
        .replace("host: 10.0.0.12, role: replica}", "host: 10.0.0.12, role: primary}");

    assertThat(SynchronousStandbys.of(on("node-2", swapped))).hasValue("ANY 1 (\"node1\", \"node3\")");
    assertThat(SynchronousStandbys.of(on("node1", swapped))).isEmpty();
  }

  @Test
  void aChosenListIsRenderedExactlyAndNotDegradedByTheRunItself() {
    String text = FILE + "  synchronous: {method: first, number: 1, strict: false}\n";
    DesiredState chosen = SynchronousStandbys.withChosen(on("node1", text), java.util.List.of("node3"), false);

    assertThat(SynchronousStandbys.of(chosen)).hasValue("FIRST 1 (\"node3\")");
    assertThat(ManagedFiles.postgresqlConf(chosen)).contains("synchronous_standby_names = 'FIRST 1 (\"node3\")'");
    io.pgconverge.observe.ServerFact noStandby = new io.pgconverge.observe.ServerFact.Running(150000, false, java.time.Instant.EPOCH,
        Fixtures.liveMatching(), Fixtures.rolesMatching(), java.util.List.of(), new io.pgconverge.observe.ServerFact.Replication(
            "7300000000000000001", 1, java.util.List.of(), java.util.List.of(), java.util.Optional.empty(), true));
    assertThat(SynchronousStandbys.decide(chosen, noStandby).orElseThrow().degraded())
        .as("the failover loop decides when to degrade (it empties the sync key first)").isFalse();
    assertThat(SynchronousStandbys.effective(chosen, noStandby)).isSameAs(chosen);
    DesiredState degraded = SynchronousStandbys.withChosen(on("node1", text), java.util.List.of(), true);
    assertThat(SynchronousStandbys.of(degraded)).hasValue("");
    assertThat(SynchronousStandbys.decide(degraded, noStandby).orElseThrow().degraded()).isTrue();
  }

  @Test
  void parsesTheListsItRendersAndNothingElse() {
    assertThat(SynchronousStandbys.parse("FIRST 1 (\"node-2\")")).hasValue(new SynchronousStandbys.Listed("FIRST", 1,
        java.util.List.of("node-2")));
    assertThat(SynchronousStandbys.parse("ANY 2 (a, \"b\")")).hasValue(new SynchronousStandbys.Listed("ANY", 2,
        java.util.List.of("a", "b")));
    assertThat(SynchronousStandbys.parse("")).hasValue(new SynchronousStandbys.Listed("", 0, java.util.List.of()));
    assertThat(SynchronousStandbys.parse("*")).isEmpty();
    assertThat(SynchronousStandbys.parse("1 (a)")).isEmpty();
    assertThat(SynchronousStandbys.parse("FIRST 1 (*)")).isEmpty();
    assertThat(SynchronousStandbys.parse("node2")).isEmpty();
  }
}
