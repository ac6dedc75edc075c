package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateLoader;
import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdSettings;
import io.pgconverge.etcd.KeyValue;
import io.pgconverge.failover.ClusterRequests.PreferredChange;
import io.pgconverge.failover.FailoverDecision;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import io.pgconverge.failover.control.ClusterControl;
import io.pgconverge.failover.control.ClusterControl.Outcome;
import io.pgconverge.failover.runtime.FailoverAgent;
import io.pgconverge.failover.runtime.ServerPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The operator's requests ({@link ClusterControl}, and the commands pause, resume, switchover,
 * failover, status --cluster run from the jar) against a real three-member etcd 3.4 on loopback.
 * No PostgreSQL: the members' agents ({@link FailoverAgent}) run over servers that exist only in
 * this test (a fake {@link ServerPort}), so what is judged is the keys: what each request writes,
 * that the agents parse and act on it, and what is refused. Each test has a cluster name of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClusterControlIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final FailoverSpec SPEC = new FailoverSpec(FailoverSpec.Mode.ETCD, Optional.empty(), Duration.ofSeconds(10),
      Duration.ofSeconds(1), Duration.ofSeconds(3), 1024 * 1024, false, Map.of("node3", 0));
  private static final List<String> PEERS = List.of("node1", "node2", "node3");

  private EtcdCluster etcd;
  private EtcdClient operator;
  private Path dir;

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdCluster.start();
    operator = EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(5)));
    dir = Files.createTempDirectory("pgconverge-control-it-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
  }

  @AfterAll
  void stop() {
    if (etcd != null) {
      etcd.close();
    }
    if (dir != null) {
      TestHost.deleteTree(dir);
    }
  }

  private static ClusterKeys freshKeys() {
    return new ClusterKeys("/pgconverge-it", "c" + UUID.randomUUID().toString().substring(0, 8));
  }

  private ClusterControl control(ClusterKeys keys) throws Exception {
    return new ClusterControl(EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(5))), keys, SPEC, PEERS, true);
  }

  private static PeerPoll replicaPoll(String name, long lsn, int priority) {
    return new PeerPoll(name, true, false, 1, lsn, priority, Optional.of("node1"));
  }

  private FailoverAgent agent(ClusterKeys keys, String self, ScriptedServer server, List<String> log) throws Exception {
    return new FailoverAgent(SPEC, EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(3))), keys, self, "node1",
        server, log::add);
  }

  /**
   * etcd answers a loop's read and goes away before the loop renews the key (a whole-cluster outage
   * starting mid-loop: CI saw the leader then spend that loop and the next on timeouts and demote at
   * its lease's deadline before failsafe was ever judged). The loop judges again as without etcd at
   * once: every peer streams from us, so failsafe, and the deadline does not demote.
   */
  @Test
  void etcdGoingAwayBetweenTheReadAndTheRenewalIsJudgedAtOnceSoFailsafeHolds() throws Exception {
    ClusterKeys keys = freshKeys();
    FailoverSpec failsafe = new FailoverSpec(FailoverSpec.Mode.ETCD, Optional.empty(), Duration.ofSeconds(10),
        Duration.ofSeconds(1), Duration.ofSeconds(3), 1024 * 1024, true, Map.of("node3", 0));
    ScriptedServer node1 = new ScriptedServer(true, List.of(replicaPoll("node2", 5000, 1), replicaPoll("node3", 5000, 0)));
    List<String> log = new CopyOnWriteArrayList<>();
    FailoverAgent a = new FailoverAgent(failsafe, EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(3))), keys,
        "node1", "node1", node1, log::add);
    try {
      FailoverDecision d = a.tick();
      for (int i = 0; i < 5 && !(d instanceof FailoverDecision.Renew); i++) {
        d = a.tick();
      }
      assertThat(d).as("node1 bootstraps and renews: %s", log).isInstanceOf(FailoverDecision.Renew.class);
      node1.onPollPeers = () -> {
        etcd.freezeAll();
        node1.onPollPeers = () -> {};
      };
      FailoverDecision during = a.tick();
      assertThat(during).as("the same loop, after the renewal failed: %s", log).isInstanceOf(FailoverDecision.Failsafe.class);
      assertThat(a.checkDeadline()).as("failsafe holds past the lease's deadline check").isFalse();
      assertThat(node1.done).doesNotContain("demote");
      assertThat(log).noneMatch(l -> l.startsWith("could not publish the member key"));
    } finally {
      etcd.thawAll();
      a.close();
    }
  }

  /** node1 holds the leader key on a lease of its own; every member has published its key (as their agents would). */
  private long leaderNode1WithMembers(ClusterKeys keys) throws Exception {
    long lease = operator.grantLease(300).id(); // outlives the slowest test (whole-jar runs take seconds each)
    operator.put(keys.leader(), "node1", lease);
    operator.put(keys.initialize(), "node1", 0);
    operator.put(keys.member("node1"), "{\"role\":\"primary\",\"timeline\":1,\"lsn\":5000}", lease);
    operator.put(keys.member("node2"), "{\"role\":\"replica\",\"timeline\":1,\"lsn\":5000}", 0);
    operator.put(keys.member("node3"), "{\"role\":\"replica\",\"timeline\":1,\"lsn\":5000}", 0);
    return lease;
  }

  private Optional<String> value(String key) throws Exception {
    return operator.get(key).map(KeyValue::value);
  }

  @Test
  void pauseWritesWhoAndWhenOnceAndResumeDeletesIt() throws Exception {
    ClusterKeys keys = freshKeys();
    ClusterControl c = control(keys);
    assertThat(c.pause("root@ops", "2026-12-02T03:00:00Z")).isEqualTo(new Outcome(0,
        "paused: nothing is promoted or demoted until pgconverge resume (" + keys.pause() + ")"));
    KeyValue first = operator.get(keys.pause()).orElseThrow();
    assertThat(JSON.readTree(first.value()).path("by").asText()).isEqualTo("root@ops");
    Outcome again = c.pause("someone@else", "2026-12-02T03:05:00Z");
    assertThat(again.exitCode()).isZero();
    assertThat(again.message()).isEqualTo("already paused (by root@ops at 2026-12-02T03:00:00Z): nothing written");
    assertThat(operator.get(keys.pause()).orElseThrow().modRevision()).as("a second pause writes nothing").isEqualTo(first.modRevision());
    assertThat(c.resume()).isEqualTo(new Outcome(0, "resumed: the daemons promote and demote again"));
    assertThat(operator.get(keys.pause())).isEmpty();
    assertThat(c.resume()).isEqualTo(new Outcome(0, "not paused: nothing to resume"));
  }

  @Test
  void aSwitchoverRequestIsTheJsonTheLeadersAgentStepsDownFor() throws Exception {
    ClusterKeys keys = freshKeys();
    leaderNode1WithMembers(keys);
    operator.put(keys.config(), "{\"preferred\":\"node1\",\"generation\":3}", 0);
    Outcome o = control(keys).requestSwitchover("node2", Optional.of("node1"), Optional.empty(), line -> {});
    assertThat(o.exitCode()).as(o.message()).isZero();
    assertThat(value(keys.failover())).hasValue("{\"kind\":\"switchover\",\"from\":\"node1\",\"candidate\":\"node2\",\"generation\":3}");

    // node1's own agent (FailoverAgent, unchanged) reads the key and steps down for node2.
    ScriptedServer node1 = new ScriptedServer(true, List.of(replicaPoll("node2", 5000, 1), replicaPoll("node3", 5000, 0)));
    List<String> log = new ArrayList<>();
    FailoverAgent a = agent(keys, "node1", node1, log);
    FailoverDecision d = a.tick();
    assertThat(d).as("%s", log).isInstanceOfSatisfying(FailoverDecision.StepDown.class, s -> assertThat(s.candidate()).isEqualTo("node2"));
    assertThat(node1.done).containsExactly("demote");
    assertThat(operator.get(keys.leader())).as("node1 let the key go").isEmpty();
    a.close();
  }

  @Test
  void aFailoverRequestMakesTheRequestedCandidateTakeTheKeyOverAHealthierOne() throws Exception {
    ClusterKeys keys = freshKeys();
    operator.put(keys.initialize(), "node1", 0);
    operator.put(keys.history(), "{\"timeline\":1,\"primary\":\"node1\"}", 0);
    operator.put(keys.member("node2"), "{\"role\":\"replica\",\"timeline\":1,\"lsn\":5000}", 0);
    Outcome o = control(keys).requestFailover("node2", true, Optional.empty(), line -> {});
    assertThat(o.exitCode()).as(o.message()).isZero();
    assertThat(value(keys.failover())).hasValue(
        "{\"kind\":\"failover\",\"candidate\":\"node2\",\"generation\":0,\"allow_data_loss\":true}");

    // node2's agent: node3 answers further ahead (and with priority), yet the request names node2.
    ScriptedServer node2 = new ScriptedServer(false, List.of(PeerPoll.silent("node1", 1), replicaPoll("node3", 9000, 5)));
    List<String> log = new ArrayList<>();
    FailoverAgent a = agent(keys, "node2", node2, log);
    FailoverDecision d = a.tick();
    assertThat(d).as("%s", log).isInstanceOf(FailoverDecision.TakeThenPromote.class);
    assertThat(d.reason()).contains("the requested candidate");
    assertThat(value(keys.leader())).hasValue("node2");
    assertThat(node2.done).containsExactly("promote");
    assertThat(operator.get(keys.failover())).as("the carried-out request is cleared").isEmpty();
    a.close();
  }

  @Test
  void refusedRequestsWriteNothing() throws Exception {
    ClusterKeys keys = freshKeys();
    ClusterControl c = control(keys);
    operator.put(keys.initialize(), "node1", 0);
    operator.put(keys.member("node2"), "{\"role\":\"replica\",\"timeline\":1,\"lsn\":5000}", 0);
    assertThat(c.requestSwitchover("node2", Optional.empty(), Optional.empty(), l -> {})).isEqualTo(new Outcome(4,
        "switchover to node2 refused: nobody holds the leader key, so there is no primary to switch over from; use pgconverge failover --to node2"));
    leaderNode1WithMembers(keys);
    assertThat(c.requestSwitchover("node1", Optional.empty(), Optional.empty(), l -> {}).message()).endsWith("node1 is the leader already");
    assertThat(c.requestSwitchover("node9", Optional.empty(), Optional.empty(), l -> {}).message()).contains("node9 is not a peer");
    assertThat(c.requestSwitchover("node3", Optional.empty(), Optional.empty(), l -> {}).message()).contains("failover_priority 0");
    assertThat(c.requestSwitchover("node2", Optional.of("node3"), Optional.empty(), l -> {}).message())
        .contains("--from node3: the leader is node1");
    Outcome failover = c.requestFailover("node2", false, Optional.empty(), l -> {});
    assertThat(failover.exitCode()).isEqualTo(4);
    assertThat(failover.message()).contains("node1 holds the leader key", "use pgconverge switchover --to node2");
    c.pause("root@ops", "now");
    assertThat(c.requestSwitchover("node2", Optional.empty(), Optional.empty(), l -> {}).message()).contains("the cluster is paused");
    assertThat(operator.get(keys.failover())).as("no refused request was written").isEmpty();
  }

  @Test
  void aFailoverToAStandbyTheSyncKeyDoesNotListNeedsAllowDataLoss() throws Exception {
    ClusterKeys keys = freshKeys();
    operator.put(keys.initialize(), "node1", 0);
    operator.put(keys.member("node2"), "{\"role\":\"replica\",\"timeline\":1,\"lsn\":5000}", 0);
    operator.put(keys.sync(), "{\"members\":[\"node3\"]}", 0);
    Outcome refused = control(keys).requestFailover("node2", false, Optional.empty(), l -> {});
    assertThat(refused.exitCode()).isEqualTo(4);
    assertThat(refused.message()).contains("node2 is not a synchronous standby", "--allow-data-loss");
    assertThat(operator.get(keys.failover())).isEmpty();
    assertThat(control(keys).requestFailover("node2", true, Optional.empty(), l -> {}).exitCode()).isZero();
    assertThat(JSON.readTree(value(keys.failover()).orElseThrow()).path("allow_data_loss").asBoolean()).isTrue();
  }

  @Test
  void aSwitchoverNobodyCarriesOutIsWithdrawnAfterItsTimeoutWithWhatTheCandidatesMemberKeySays() throws Exception {
    ClusterKeys keys = freshKeys();
    leaderNode1WithMembers(keys);
    operator.put(keys.member("node2"), "{\"role\":\"replica\",\"timeline\":1,\"lsn\":1000}", 0);
    long t0 = System.nanoTime();
    Outcome o = control(keys).requestSwitchover("node2", Optional.empty(), Optional.of(Duration.ofSeconds(2)), l -> {});
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(o.exitCode()).isEqualTo(4);
    assertThat(o.message()).startsWith("switchover to node2 not carried out within 2 s: node2's member key: role replica, timeline 1, lsn 1000")
        .endsWith("; the request is withdrawn");
    assertThat(ms).isBetween(1900L, 10_000L);
    assertThat(operator.get(keys.failover())).isEmpty();
  }

  @Test
  void aSwitchoverWaitsUntilTheCandidateHoldsTheLeaderKeyWhileTheAgentsCarryItOut() throws Exception {
    ClusterKeys keys = freshKeys();
    ScriptedServer node1 = new ScriptedServer(true, List.of(replicaPoll("node2", 5000, 1), replicaPoll("node3", 5000, 0)));
    ScriptedServer node2 = new ScriptedServer(false, List.of(new PeerPoll("node1", true, true, 1, 5000, 1, Optional.empty()),
        replicaPoll("node3", 5000, 0)));
    List<String> log = new CopyOnWriteArrayList<>();
    FailoverAgent a1 = agent(keys, "node1", node1, log);
    FailoverAgent a2 = agent(keys, "node2", node2, log);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (FailoverAgent a : List.of(a1, a2)) {
        pool.submit(() -> {
          while (!Thread.currentThread().isInterrupted()) {
            log.add(a.tick().reason());
            Thread.sleep(SPEC.loopWait().toMillis());
          }
          return null;
        });
      }
      long bound = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!value(keys.leader()).equals(Optional.of("node1")) || operator.get(keys.member("node2")).isEmpty()) {
        assertThat(System.nanoTime()).as("node1 bootstraps and node2 publishes its key within 30 s: %s", log).isLessThan(bound);
        Thread.sleep(200);
      }
      // node1 stops: node2 must see it silent to take the key (the fake polls stand for the peers).
      node2.peers.set(0, PeerPoll.silent("node1", 1));
      List<String> progress = new ArrayList<>();
      Outcome o = control(keys).requestSwitchover("node2", Optional.empty(), Optional.of(Duration.ofSeconds(30)), progress::add);
      assertThat(o).as("%s\n%s", progress, log).isEqualTo(new Outcome(0, "switchover to node2 done: node2 holds the leader key"));
      assertThat(node1.done).containsExactly("demote");
      assertThat(node2.done).containsExactly("promote");
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
      a1.close();
      a2.close();
    }
  }

  private DesiredState desired(ClusterKeys keys, String primary) throws Exception {
    Path file = writeDesired(keys, primary, "etcd");
    LoadResult r = DesiredStateLoader.load(file, "node1");
    assertThat(r).as("%s", r).isInstanceOf(LoadResult.Valid.class);
    return ((LoadResult.Valid) r).state();
  }

  @Test
  void aChangedRolePrimaryInAPushedFileFiresOneSwitchoverAndARePushNone() throws Exception {
    ClusterKeys keys = freshKeys();
    long lease = leaderNode1WithMembers(keys);
    ClusterControl c = control(keys);
    assertThat(c.preferredPrimaryAtStart(desired(keys, "node1"))).isInstanceOf(PreferredChange.Bootstrap.class);
    assertThat(value(keys.config())).hasValue("{\"preferred\":\"node1\",\"generation\":0}");
    assertThat(operator.get(keys.failover())).as("the bootstrap fires nothing").isEmpty();
    long configRevision = operator.get(keys.config()).orElseThrow().modRevision();
    assertThat(c.preferredPrimaryAtStart(desired(keys, "node2"))).as("a daemon started with another (maybe stale) file")
        .isInstanceOf(PreferredChange.Unchanged.class);
    assertThat(operator.get(keys.failover())).isEmpty();
    assertThat(c.preferredPrimaryChanged(desired(keys, "node1"))).isInstanceOf(PreferredChange.Unchanged.class);
    assertThat(operator.get(keys.config()).orElseThrow().modRevision()).as("a re-push writes nothing").isEqualTo(configRevision);

    assertThat(c.preferredPrimaryChanged(desired(keys, "node2"), Optional.of("node1"))).isInstanceOf(PreferredChange.Changed.class);
    assertThat(value(keys.config())).hasValue("{\"preferred\":\"node2\",\"generation\":1}");
    KeyValue request = operator.get(keys.failover()).orElseThrow();
    assertThat(request.value()).isEqualTo("{\"kind\":\"switchover\",\"from\":\"node1\",\"candidate\":\"node2\",\"generation\":1}");
    assertThat(request.modRevision()).as("config and request in one transaction")
        .isEqualTo(operator.get(keys.config()).orElseThrow().modRevision());

    operator.delete(keys.failover()); // carried out (the agent deletes it)
    operator.put(keys.leader(), "node2", lease);
    assertThat(c.preferredPrimaryChanged(desired(keys, "node2"), Optional.of("node2"))).isInstanceOf(PreferredChange.Unchanged.class);
    assertThat(c.preferredPrimaryChanged(desired(keys, "node2"))).isInstanceOf(PreferredChange.Unchanged.class);
    assertThat(operator.get(keys.failover())).as("re-pushing the same file fires nothing again").isEmpty();
  }

  @Test
  void twoDaemonsPushingTheSameChangedFileAtOnceFireItOnce() throws Exception {
    ClusterKeys keys = freshKeys();
    leaderNode1WithMembers(keys);
    operator.put(keys.config(), "{\"preferred\":\"node1\",\"generation\":7}", 0);
    DesiredState pushed = desired(keys, "node2");
    int daemons = 4;
    List<ClusterControl> controls = new ArrayList<>();
    for (int i = 0; i < daemons; i++) {
      controls.add(control(keys));
    }
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(daemons);
    try {
      List<Future<PreferredChange>> results = new ArrayList<>();
      for (ClusterControl c : controls) {
        results.add(pool.submit(() -> {
          go.await();
          return c.preferredPrimaryChanged(pushed, Optional.of("node1"));
        }));
      }
      go.countDown();
      List<PreferredChange> changes = new ArrayList<>();
      for (Future<PreferredChange> f : results) {
        changes.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(changes.stream().filter(ch -> ch instanceof PreferredChange.Changed).count()).as("%s", changes).isEqualTo(1);
      assertThat(changes.stream().filter(ch -> ch instanceof PreferredChange.Unchanged).count()).isEqualTo(daemons - 1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(value(keys.config())).hasValue("{\"preferred\":\"node2\",\"generation\":8}");
    KeyValue request = operator.get(keys.failover()).orElseThrow();
    assertThat(request.version()).as("the failover key was written once").isEqualTo(1);
    assertThat(request.value()).contains("\"generation\":8");
  }

  // ---------------------------------------------------------------------------------------------
  // The commands, from the jar

  /** A desired state for three peers on loopback ports where no server listens, failover.mode as given, etcd the test's. */
  private Path writeDesired(ClusterKeys keys, String primary, String mode) throws Exception {
    Path password = dir.resolve("replicator.password");
    Files.writeString(password, "s3cret-replication\n");
    StringBuilder peers = new StringBuilder();
    List<Integer> ports = TestHost.distinctFreePorts(PEERS.size());
    for (String p : PEERS) {
      peers.append("  - {name: ").append(p).append(", host: 127.0.0.1, port: ").append(ports.get(PEERS.indexOf(p))).append(", role: ")
          .append(p.equals(primary) ? "primary" : "replica").append(p.equals("node3") ? ", failover_priority: 0" : "").append("}\n");
    }
    String endpoints = String.join(", ", etcd.endpoints().stream().map(Object::toString).toList());
    String yaml = "version: 1\ncluster: " + keys.cluster() + "\nself: node1\npeers:\n" + peers
        + "postgres:\n  data: " + dir.resolve("data") + "\n  hba:\n    - local all postgres peer\n"
        + "    - host replication replicator peers scram-sha-256\n"
        + "roles:\n  - {name: replicator, login: true, replication: true, password_file: " + password + "}\n"
        + "replication:\n  user: replicator\n  password_file: " + password + "\n"
        + "failover:\n  mode: " + mode + "\n"
        + (mode.equals("etcd") ? "  etcd:\n    endpoints: [" + endpoints + "]\n    namespace: " + keys.namespace() + "\n"
            + "  ttl: 10s\n  loop_wait: 1s\n  retry_timeout: 3s\n" : "");
    Path file = dir.resolve(keys.cluster() + "-" + mode + "-" + primary + ".yaml");
    Files.writeString(file, yaml);
    Processes.run(List.of("chmod", "-R", "o+rX", dir.toString()), Duration.ofSeconds(10));
    return file;
  }

  @Test
  void theCommandsPauseAndResumeAndStatusClusterShowsTheLeaderPausedAndTheMembers() throws Exception {
    ClusterKeys keys = freshKeys();
    leaderNode1WithMembers(keys);
    Path file = writeDesired(keys, "node1", "etcd");
    Cli.runJar(List.of("pause", "--config", file.toString())).assertExit(0);
    assertThat(JSON.readTree(value(keys.pause()).orElseThrow()).path("by").asText()).startsWith("root@");
    Cli.runJar(List.of("switchover", "--to", "node2", "--config", file.toString())).assertExit(4);

    ProcessResult json = Cli.runJar(List.of("status", "--cluster", "--json", "--config", file.toString()));
    json.assertExit(2); // no server answers on the peers' ports
    JsonNode status = JSON.readTree(json.stdout());
    JsonNode e = status.path("etcd");
    assertThat(e.path("reachable").asBoolean()).as(json.describe()).isTrue();
    assertThat(e.path("leader").asText()).isEqualTo("node1");
    assertThat(e.path("lease_ttl_seconds").asLong()).isBetween(1L, 300L);
    assertThat(e.path("lease_granted_seconds").asLong()).isEqualTo(300);
    assertThat(e.path("paused").asBoolean()).isTrue();
    assertThat(e.path("members").path("node2").path("role").asText()).isEqualTo("replica");
    assertThat(status.path("peers")).hasSize(3);

    ProcessResult table = Cli.runJar(List.of("status", "--cluster", "--config", file.toString()));
    assertThat(table.stdout()).containsPattern("leader +node1 \\(lease: \\d+ s left of 300 s, renewed \\d+ s ago\\)")
        .containsPattern("paused +yes, by ").containsPattern("member +node2 \\{\"role\":\"replica\"");

    Cli.runJar(List.of("resume", "--config", file.toString())).assertExit(0);
    assertThat(operator.get(keys.pause())).isEmpty();
    ProcessResult switched = Cli.runJar(List.of("switchover", "--to", "node2", "--no-wait", "--config", file.toString()));
    switched.assertExit(0);
    assertThat(switched.stdout()).contains("switchover to node2 requested from node1");
    assertThat(value(keys.failover()).orElseThrow()).contains("\"candidate\":\"node2\"");
    ProcessResult failover = Cli.runJar(List.of("failover", "--to", "node2", "--config", file.toString()));
    failover.assertExit(4);
    assertThat(failover.stderr()).contains("node1 holds the leader key");
  }

  @Test
  void withEtcdStoppedStatusClusterSaysSoAndStillShowsThePeers() throws Exception {
    ClusterKeys keys = freshKeys();
    Path file = writeDesired(keys, "node1", "etcd");
    String unreachable = Files.readString(file).replaceAll("endpoints: \\[[^]]*]", "endpoints: [http://127.0.0.1:" + TestHost.freePort() + "]");
    Files.writeString(file, unreachable);
    ProcessResult json = Cli.runJar(List.of("status", "--cluster", "--json", "--config", file.toString()));
    json.assertExit(2);
    JsonNode status = JSON.readTree(json.stdout());
    assertThat(status.path("etcd").path("reachable").asBoolean()).isFalse();
    assertThat(status.path("etcd").path("error").asText()).contains("etcd unavailable");
    assertThat(status.path("peers")).hasSize(3);
    assertThat(status.path("problems").toString()).contains("etcd cannot be read");
    Cli.runJar(List.of("pause", "--config", file.toString())).assertExit(4);
  }

  @Test
  void theCommandsRefuseAFileInModeFile() throws Exception {
    Path file = writeDesired(freshKeys(), "node1", "file");
    for (List<String> args : List.of(List.of("pause"), List.of("resume"), List.of("switchover", "--to", "node2"),
        List.of("failover", "--to", "node2"))) {
      List<String> argv = new ArrayList<>(args);
      argv.addAll(List.of("--config", file.toString()));
      ProcessResult r = Cli.runJar(argv);
      r.assertExit(4);
      assertThat(r.stderr()).contains("failover.mode: file");
    }
  }
}
