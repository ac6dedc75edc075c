package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdSettings;
import io.pgconverge.etcd.KeyValue;
import io.pgconverge.failover.FailoverDecision;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import io.pgconverge.failover.SyncKeyStep;
import io.pgconverge.failover.runtime.FailoverAgent;
import io.pgconverge.failover.runtime.ServerPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code sync} key under {@code failover.mode: etcd} with {@code replication.synchronous},
 * against a real three-member etcd 3.4 on loopback: the leader's agent ({@link FailoverAgent})
 * (method {@code first}) names one standby in the list it hands to the runs before that standby
 * joins the key, lets it join only once the server's loaded list names it, it is {@code sync} and
 * it has flushed past the WAL position of when it was first seen so, writes the key only when it
 * changes, and takes a standby that went away out of the key before the list names another; a
 * replica's agent promotes itself only when the key lists it, or when a failover request allows
 * data loss, and empties the key before it promotes. No PostgreSQL: the servers exist only
 * in this test (a {@link ServerPort} whose walsenders the test sets), so what is judged is the keys.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SyncKeyIT {
  private static final FailoverSpec SPEC = new FailoverSpec(FailoverSpec.Mode.ETCD, Optional.empty(), Duration.ofSeconds(10),
      Duration.ofSeconds(1), Duration.ofSeconds(3), 1024 * 1024, false, Map.of());
  private static final Optional<SynchronousSpec> FIRST_1 =
      Optional.of(new SynchronousSpec(SynchronousSpec.Method.FIRST, 1, true, List.of("node1", "node2", "node3")));

  private static final Optional<SynchronousSpec> ANY_1 =
      Optional.of(new SynchronousSpec(SynchronousSpec.Method.ANY, 1, true, List.of("node1", "node2", "node3")));

  private EtcdCluster etcd;
  private EtcdClient operator;

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdCluster.start();
    operator = EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(5)));
  }

  @AfterAll
  void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  private static ClusterKeys freshKeys() {
    return new ClusterKeys("/pgconverge-it", "s" + UUID.randomUUID().toString().substring(0, 8));
  }

  private FailoverAgent agent(ClusterKeys keys, String self, ScriptedServer server, List<String> log) throws Exception {
    return new FailoverAgent(SPEC, FIRST_1, EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(3))), keys, self,
        "node1", server, log::add);
  }

  private static ServerPort.Standbys walsenders(String loaded, long walAfter, ServerPort.Standby... standbys) {
    return new ServerPort.Standbys(List.of(standbys), walAfter, Optional.of(loaded));
  }

  private String members(ClusterKeys keys) throws Exception {
    return operator.get(keys.sync()).orElseThrow().value();
  }

  @Test
  void theLeaderNamesOneStandbyInTheListBeforeTheKeyAndTakesItOutOfTheKeyBeforeTheList() throws Exception {
    ClusterKeys keys = freshKeys();
    operator.put(keys.initialize(), "node1", 0);
    ScriptedServer node1 = new ScriptedServer(true, List.of());
    node1.standbys = walsenders("", 5000, new ServerPort.Standby("node2", "async", 5000), new ServerPort.Standby("node3", "async", 5000));
    List<String> log = new ArrayList<>();
    FailoverAgent a = agent(keys, "node1", node1, log);

    assertThat(a.tick()).as("%s", log).isInstanceOf(FailoverDecision.TakeAsPrimary.class);
    assertThat(members(keys)).as("the key made, empty: the server lists nobody yet").isEqualTo("{\"leader\":\"node1\",\"members\":[]}");
    assertThat(a.synchronousChoice()).hasValue(new SyncKeyStep.Choice(List.of("node2"), false));

    // the run rendered FIRST 1 ("node2") and reloaded: node2 is sync, first seen so at WAL 5000
    node1.standbys = walsenders("FIRST 1 (\"node2\")", 5000, new ServerPort.Standby("node2", "sync", 4000),
        new ServerPort.Standby("node3", "potential", 4000));
    a.tick();
    assertThat(members(keys)).as("not yet flushed past 5000").isEqualTo("{\"leader\":\"node1\",\"members\":[]}");
    node1.standbys = walsenders("FIRST 1 (\"node2\")", 5200, new ServerPort.Standby("node2", "sync", 5000),
        new ServerPort.Standby("node3", "async", 5000));
    a.tick();
    KeyValue joined = operator.get(keys.sync()).orElseThrow();
    assertThat(joined.value()).isEqualTo("{\"leader\":\"node1\",\"members\":[\"node2\"]}");
    a.tick();
    assertThat(operator.get(keys.sync()).orElseThrow().modRevision()).as("nothing changed: nothing written").isEqualTo(joined.modRevision());

    // node2 goes away; the server still lists it (writes wait), node3 streams
    node1.standbys = walsenders("FIRST 1 (\"node2\")", 6000, new ServerPort.Standby("node3", "potential", 6000));
    a.tick();
    assertThat(members(keys)).as("node2 left the key").isEqualTo("{\"leader\":\"node1\",\"members\":[]}");
    assertThat(a.synchronousChoice()).as("and only then the list names node3").hasValue(new SyncKeyStep.Choice(List.of("node3"), false));

    node1.standbys = walsenders("FIRST 1 (\"node3\")", 7000, new ServerPort.Standby("node3", "sync", 6500));
    a.tick();
    node1.standbys = walsenders("FIRST 1 (\"node3\")", 7100, new ServerPort.Standby("node3", "sync", 7000));
    a.tick();
    assertThat(members(keys)).as("node3 listed, sync and past 7000: in").isEqualTo("{\"leader\":\"node1\",\"members\":[\"node3\"]}");
    a.close();
  }

  @Test
  void aReplicaNotInTheSyncKeyIsPromotedOnlyByAFailoverRequestThatAllowsDataLoss() throws Exception {
    ClusterKeys keys = freshKeys();
    operator.put(keys.initialize(), "node1", 0);
    operator.put(keys.history(), "{\"timeline\":1,\"primary\":\"node1\"}", 0);
    operator.put(keys.sync(), "{\"leader\":\"node1\",\"members\":[\"node3\"]}", 0);
    ScriptedServer node2 = new ScriptedServer(false, List.of(PeerPoll.silent("node1", 1), PeerPoll.silent("node3", 1)));
    List<String> log = new ArrayList<>();
    FailoverAgent a = agent(keys, "node2", node2, log);

    FailoverDecision d = a.tick();
    assertThat(d).as("%s", log).isInstanceOf(FailoverDecision.Wait.class);
    assertThat(d.reason()).contains("we are not in the sync key (node3)");
    operator.put(keys.failover(), "{\"kind\":\"failover\",\"candidate\":\"node2\",\"generation\":0}", 0);
    assertThat(a.tick()).isInstanceOf(FailoverDecision.Wait.class);
    assertThat(operator.get(keys.leader())).isEmpty();
    assertThat(node2.done).isEmpty();

    operator.put(keys.failover(), "{\"kind\":\"failover\",\"candidate\":\"node2\",\"generation\":0,\"allow_data_loss\":true}", 0);
    assertThat(a.tick()).as("%s", log).isInstanceOf(FailoverDecision.TakeThenPromote.class);
    assertThat(operator.get(keys.leader()).map(KeyValue::value)).hasValue("node2");
    assertThat(node2.done).as("FIRST 1 over every standby before the promotion: its commits wait for one")
        .containsExactly("synchronous_standby_names = FIRST 1 (\"node1\", \"node3\")", "promote");
    assertThat(members(keys)).as("the key emptied before the promotion: nobody is promotable until the leader chose its list")
        .isEqualTo("{\"leader\":\"node2\",\"members\":[]}");
    a.close();
  }

  /** node1 (the last primary) lost, node3 answering behind node2: node2 is the candidate of {@code any 1}. */
  private FailoverAgent anyCandidateNode2(ClusterKeys keys, ScriptedServer node2, List<String> log) throws Exception {
    operator.put(keys.initialize(), "node1", 0);
    operator.put(keys.history(), "{\"timeline\":1,\"primary\":\"node1\"}", 0);
    return new FailoverAgent(SPEC, ANY_1, EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(3))), keys, "node2",
        "node1", node2, log::add);
  }

  private static ScriptedServer node2AheadOfNode3() {
    return new ScriptedServer(false, List.of(PeerPoll.silent("node1", 1), new PeerPoll("node3", true, false, 1, 4000, 1, Optional.empty())));
  }

  @Test
  void withAnyTheReplicaPromotedHasItsListLoadedBeforeThePromotion() throws Exception {
    ClusterKeys keys = freshKeys();
    ScriptedServer node2 = node2AheadOfNode3();
    List<String> log = new ArrayList<>();
    FailoverAgent a = anyCandidateNode2(keys, node2, log);

    assertThat(a.tick()).as("%s", log).isInstanceOf(FailoverDecision.TakeThenPromote.class);
    assertThat(node2.done).as("no commit of the new primary is acknowledged without a standby")
        .containsExactly("synchronous_standby_names = ANY 1 (\"node1\", \"node3\")", "promote");
    a.close();
  }

  @Test
  void withAnyAReplicaWhoseServerCannotLoadTheListKeepsTheKeyButIsNotPromotedUntilItCan() throws Exception {
    ClusterKeys keys = freshKeys();
    ScriptedServer node2 = node2AheadOfNode3();
    node2.listFails = true;
    List<String> log = new ArrayList<>();
    FailoverAgent a = anyCandidateNode2(keys, node2, log);

    a.tick();
    assertThat(operator.get(keys.leader()).map(KeyValue::value)).hasValue("node2");
    assertThat(node2.done).isEmpty();
    assertThat(log).anyMatch(l -> l.startsWith("not promoting this loop: could not give the local server synchronous_standby_names"));

    node2.listFails = false;
    assertThat(a.tick()).as("%s", log).isInstanceOf(FailoverDecision.Promote.class);
    assertThat(node2.done).containsExactly("synchronous_standby_names = ANY 1 (\"node1\", \"node3\")", "promote");
    a.close();
  }
}
