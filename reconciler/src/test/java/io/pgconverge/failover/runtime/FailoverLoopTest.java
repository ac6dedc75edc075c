package io.pgconverge.failover.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateCache;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.etcd.EtcdSettings;
import io.pgconverge.failover.FailoverDecision;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the daemon's failover loop takes from a desired state: its etcd client's settings, when it is rebuilt, which lines repeat. */
class FailoverLoopTest {
  @TempDir Path dir;

  private DesiredState load(String workMem, String ttl, String host2) throws Exception {
    Path file = dir.resolve("d-" + workMem + ttl + host2 + ".yaml");
    Files.writeString(file, String.join("\n",
        "version: 1",
        "cluster: main",
        "self: node1",
        "peers:",
        "  - {name: node1, host: 10.0.0.11, role: primary}",
        "  - {name: node2, host: " + host2 + ", role: replica}",
        "postgres:",
        "  data: " + dir.resolve("main"),
        "  settings: {work_mem: " + workMem + "}",
        "  hba:",
        "    - local all postgres peer",
        "    - host replication replicator peers scram-sha-256",
        "roles:",
        "  - {name: replicator, login: true, replication: true}",
        "replication: {user: replicator, password_file: /etc/pgconverge/replicator.password}",
        "failover: {mode: etcd, etcd: {endpoints: [https://10.0.0.21:2379], ca_file: /etc/pgconverge/etcd-ca.pem,"
            + " user: pgconverge, password_file: /etc/pgconverge/etcd.password}, ttl: " + ttl + ", loop_wait: 2s, retry_timeout: 5s}",
        ""));
    LoadResult loaded = new DesiredStateCache().load(file, "node1");
    assertThat(loaded).as("%s", loaded).isInstanceOf(LoadResult.Valid.class);
    return ((LoadResult.Valid) loaded).state();
  }

  @Test
  void theEtcdClientUsesTheSectionsEndpointsTlsAndUserAndRetryTimeoutAsEachRequestsDeadline() throws Exception {
    EtcdSettings s = FailoverLoop.settings(load("4MB", "20s", "10.0.0.12").failover());
    assertThat(s.endpoints()).containsExactly(URI.create("https://10.0.0.21:2379"));
    assertThat(s.requestDeadline()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.tls()).hasValueSatisfying(t -> assertThat(t.caFile()).isEqualTo(Path.of("/etc/pgconverge/etcd-ca.pem")));
    assertThat(s.auth()).hasValueSatisfying(a -> {
      assertThat(a.user()).isEqualTo("pgconverge");
      assertThat(a.passwordFile()).isEqualTo(Path.of("/etc/pgconverge/etcd.password"));
    });
  }

  @Test
  void aNewFileRebuildsTheLoopOnlyWhenItsFailoverSectionPeersOrServerChanged() throws Exception {
    Object base = FailoverLoop.identity(load("4MB", "20s", "10.0.0.12"));
    assertThat(FailoverLoop.identity(load("8MB", "20s", "10.0.0.12"))).as("a setting changed").isEqualTo(base);
    assertThat(FailoverLoop.identity(load("4MB", "30s", "10.0.0.12"))).as("ttl changed").isNotEqualTo(base);
    assertThat(FailoverLoop.identity(load("4MB", "20s", "10.0.0.99"))).as("a peer moved").isNotEqualTo(base);
  }

  @Test
  void twoDecisionsThatDifferOnlyInTheirNumbersAreOneRepeatInTheLog() {
    assertThat(FailoverLoop.withoutNumbers("Wait: surely ours for another 1520 ms"))
        .isEqualTo(FailoverLoop.withoutNumbers("Wait: surely ours for another 80 ms"));
    assertThat(FailoverLoop.withoutNumbers("Follow: node2 holds the leader key"))
        .isNotEqualTo(FailoverLoop.withoutNumbers("Follow: nodeX holds the leader key"));
    assertThat(List.of(FailoverLoop.withoutNumbers("Follow: node2 holds it"))).containsExactly("Follow: node# holds it");
  }

  private static final List<Boolean> KEYS = List.of(true, false);
  private static final FailoverDecision FOLLOW = new FailoverDecision.Follow("node2", "node2 holds the leader key");

  @Test
  void aFollowerRunsAgainOnceTheHistoryKeyShowsTheNewLeadersPromotionDone() {
    // tick 1 saw node2 take the key (a run was pushed then, maybe before its promotion); tick 2 sees timeline 2
    assertThat(FailoverLoop.runToPush(FOLLOW, java.util.Optional.of("node2"), java.util.Optional.of("node2"), 2, 1,
        java.util.Optional.empty(), KEYS, KEYS)).hasValue("the leader is primary on timeline 2");
  }

  @Test
  void anUnchangedTimelineOrTheFirstTickPushesNoRunForTheHistory() {
    assertThat(FailoverLoop.runToPush(FOLLOW, java.util.Optional.of("node2"), java.util.Optional.of("node2"), 2, 2,
        java.util.Optional.empty(), KEYS, KEYS)).isEmpty();
    assertThat(FailoverLoop.runToPush(FOLLOW, java.util.Optional.of("node2"), java.util.Optional.of("node2"), 2, 0,
        java.util.Optional.empty(), KEYS, KEYS)).isEmpty();
  }

  @Test
  void aNewLeaderIsTheReasonBeforeItsTimeline() {
    assertThat(FailoverLoop.runToPush(FOLLOW, java.util.Optional.of("node2"), java.util.Optional.of("node1"), 2, 1,
        java.util.Optional.empty(), KEYS, KEYS)).hasValue("leader changed: node2");
    assertThat(FailoverLoop.runToPush(new FailoverDecision.Renew("renewed"), java.util.Optional.of("node1"),
        java.util.Optional.of("node1"), 1, 1, java.util.Optional.empty(), KEYS, KEYS)).isEmpty();
  }
}
