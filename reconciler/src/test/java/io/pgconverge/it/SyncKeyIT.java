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
 * keeps it equal to the standbys whose {@code pg_stat_replication.sync_state} says synchronous,
 * writes it only when that changes, lets a standby join only once it has flushed past the WAL
 * position of when it was first seen synchronous; a replica's agent promotes itself only when the
 * key lists it, or when a failover request allows data loss. No PostgreSQL: the servers exist only
 * in this test (a {@link ServerPort} whose walsenders the test sets), so what is judged is the keys.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SyncKeyIT {
  private static final FailoverSpec SPEC = new FailoverSpec(FailoverSpec.Mode.ETCD, Optional.empty(), Duration.ofSeconds(10),
      Duration.ofSeconds(1), Duration.ofSeconds(3), 1024 * 1024, false, Map.of());
  private static final Optional<SynchronousSpec> FIRST_1 =
      Optional.of(new SynchronousSpec(SynchronousSpec.Method.FIRST, 1, true, List.of("node1", "node2", "node3")));

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

  private static ServerPort.Standbys walsenders(long walAfter, ServerPort.Standby... standbys) {
    return new ServerPort.Standbys(List.of(standbys), walAfter);
  }

  @Test
  void theLeaderListsItsSynchronousStandbyWritesOnlyChangesAndLetsANewOneJoinOnlyOnceCaughtUp() throws Exception {
    ClusterKeys keys = freshKeys();
    operator.put(keys.initialize(), "node1", 0);
    ScriptedServer node1 = new ScriptedServer(true, List.of());
    node1.standbys = walsenders(5000, new ServerPort.Standby("node2", "sync", 5000), new ServerPort.Standby("node3", "potential", 4000));
    List<String> log = new ArrayList<>();
    FailoverAgent a = agent(keys, "node1", node1, log);

    assertThat(a.tick()).as("%s", log).isInstanceOf(FailoverDecision.TakeAsPrimary.class);
    KeyValue first = operator.get(keys.sync()).orElseThrow();
    assertThat(first.value()).isEqualTo("{\"leader\":\"node1\",\"members\":[\"node2\"]}");

    a.tick();
    assertThat(operator.get(keys.sync()).orElseThrow().modRevision()).as("nothing changed: nothing written").isEqualTo(first.modRevision());

    // node2 goes away; PostgreSQL makes node3 synchronous, but node3 has flushed only to 4000 of the primary's 6000.
    node1.standbys = walsenders(6000, new ServerPort.Standby("node3", "sync", 4000));
    a.tick();
    assertThat(operator.get(keys.sync()).orElseThrow().value()).as("node2 left at once, node3 not yet in")
        .isEqualTo("{\"leader\":\"node1\",\"members\":[]}");

    node1.standbys = walsenders(7000, new ServerPort.Standby("node3", "sync", 6000));
    a.tick();
    assertThat(operator.get(keys.sync()).orElseThrow().value()).as("node3 flushed past 6000: in")
        .isEqualTo("{\"leader\":\"node1\",\"members\":[\"node3\"]}");
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
    assertThat(node2.done).containsExactly("promote");
    a.close();
  }
}
