package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdSettings;
import io.pgconverge.failover.FailoverDecision;
import io.pgconverge.failover.FailoverFacts.Local;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import io.pgconverge.failover.runtime.FailoverAgent;
import io.pgconverge.failover.runtime.ServerPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The failover runtime ({@link FailoverAgent}) of three members over a real three-member etcd
 * 3.4 and a real three-node streaming cluster (built by pgconverge apply, in namespaces): each
 * member's agent ticks every loop_wait and checks its deadline every 100 ms, seeing its server
 * and its peers through psql over their Unix sockets. ttl 20s, loop_wait 2s, retry_timeout 5s (etcd's
 * writes took over a second on this shared 2-core machine under load).
 * What the agents do not do here is what the daemon's reconcile paths do (following a new
 * primary, rewinding the old one): this test judges who is writable, never two at once.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FailoverAgentIT {
  private static final Duration TTL = Duration.ofSeconds(20);
  private static final Duration LOOP_WAIT = Duration.ofSeconds(2);

  private static FailoverSpec spec(Map<String, Integer> priorities) {
    return new FailoverSpec(FailoverSpec.Mode.ETCD, Optional.empty(), TTL, LOOP_WAIT, Duration.ofSeconds(5),
        16L * 1024 * 1024, false, priorities);
  }

  /** A node's server and peers as the agent sees them, through psql over the Unix sockets. */
  private record PsqlServer(Cluster cluster, ClusterNode node, Map<String, Integer> priorities) implements ServerPort {
    @Override
    public Local observe() {
      return local(cluster, node);
    }

    @Override
    public List<PeerPoll> pollPeers() {
      List<PeerPoll> polls = new ArrayList<>();
      for (ClusterNode peer : cluster.nodes()) {
        if (peer == node) {
          continue;
        }
        Local l = local(cluster, peer);
        int priority = priorities.getOrDefault(peer.name(), 1);
        polls.add(l.running() ? new PeerPoll(peer.name(), true, l.writable(), l.timeline(), l.lsn(), priority, Optional.empty())
            : PeerPoll.silent(peer.name(), priority));
      }
      return polls;
    }

    @Override
    public void promote() {
      cluster.psql(node, "select pg_promote(true, 30)");
    }

    @Override
    public void listSynchronousStandbys(String value) {
      throw new UnsupportedOperationException("these agents run without replication.synchronous");
    }

    @Override
    public void demote() {
      if (cluster.pgCtl(node, "-m", "fast", "-w", "-t", "2", "stop").exitCode() != 0) {
        cluster.pgCtl(node, "-m", "immediate", "-w", "-t", "10", "stop");
      }
    }

    private static Local local(Cluster cluster, ClusterNode node) {
      ProcessResult r = cluster.tryPsql(node, "select pg_is_in_recovery()");
      if (r.exitCode() != 0) {
        return Local.STOPPED;
      }
      boolean recovery = r.stdout().trim().equals("t");
      String sql = recovery
          ? "select coalesce((select received_tli from pg_stat_wal_receiver), (select timeline_id from pg_control_checkpoint()))"
              + " || ' ' || (greatest(coalesce(pg_last_wal_receive_lsn(), '0/0'), coalesce(pg_last_wal_replay_lsn(), '0/0')) - '0/0')"
          : "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int || ' ' || (pg_current_wal_lsn() - '0/0')";
      ProcessResult pos = cluster.tryPsql(node, sql);
      if (pos.exitCode() != 0) {
        return Local.STOPPED;
      }
      String[] parts = pos.stdout().trim().split(" ");
      return new Local(true, !recovery, Long.parseLong(parts[0]), Long.parseLong(parts[1].replaceFirst("\\..*", "")));
    }
  }

  /** One member's agent, as the daemon would run it: a tick every loop_wait, a deadline check every 100 ms. */
  private static final class Member implements AutoCloseable {
    final ClusterNode node;
    final FailoverAgent agent;
    final ScheduledExecutorService pool = Executors.newScheduledThreadPool(2);
    final ConcurrentLinkedQueue<String> said = new ConcurrentLinkedQueue<>();

    Member(ClusterNode node, FailoverAgent agent) {
      this.node = node;
      this.agent = agent;
    }

    Member start() {
      pool.scheduleWithFixedDelay(() -> {
        try {
          FailoverDecision d = agent.tick();
          said.add(d.getClass().getSimpleName() + ": " + d.reason());
        } catch (RuntimeException | Error e) {
          java.io.StringWriter w = new java.io.StringWriter();
          e.printStackTrace(new java.io.PrintWriter(w));
          said.add("tick failed: " + w);
        }
      }, 0, LOOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      pool.scheduleWithFixedDelay(agent::checkDeadline, 100, 100, TimeUnit.MILLISECONDS);
      return this;
    }

    /** Its daemon killed -9: it stops dead, revokes nothing. */
    @Override
    public void close() {
      pool.shutdownNow();
    }

    String transcript() {
      return node.name() + ":\n  " + String.join("\n  ", said);
    }
  }

  private static boolean writable(Cluster cluster, ClusterNode n) {
    ProcessResult r = cluster.tryPsql(n, "select pg_is_in_recovery()");
    return r.exitCode() == 0 && r.stdout().trim().equals("f");
  }

  @Test
  void pausedNothingIsPromotedWhenThePrimaryDiesResumedExactlyOneReplicaIsWithinTtlPlusLoopWaitPlus5s() throws Exception {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    try (EtcdCluster etcd = EtcdCluster.start(); Cluster cluster = Cluster.create(3)) {
      Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: " + cluster.lab().fallbackReason().orElse(""));
      FailoverIT.convergeWithRows(cluster, new Daemons(cluster));
      ClusterKeys keys = freshKeys();
      EtcdClient operator = EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(3)));
      List<Member> members = members(cluster, etcd, keys);
      ClusterNode node1 = cluster.node(1);
      try (WritableWatch watch = WritableWatch.start(cluster)) {
        members.forEach(Member::start);
        awaitLeader(operator, keys, "node1", members);
        assertThat(operator.get(keys.initialize())).map(kv -> kv.value()).contains("node1");

        operator.put(keys.pause(), "maintenance", 0);
        Thread.sleep(LOOP_WAIT.toMillis() + 500);
        members.get(0).close(); // node1's daemon killed -9
        FailoverIT.killHost(cluster, node1); // and its server, its link cut
        long killed = System.nanoTime();
        Thread.sleep(TTL.plus(LOOP_WAIT.multipliedBy(2)).toMillis());
        assertThat(cluster.replicas().stream().filter(n -> writable(cluster, n)).toList())
            .as("paused: nothing promoted %d s after the primary died\n%s", (System.nanoTime() - killed) / 1_000_000_000L,
                transcripts(members)).isEmpty();
        assertThat(operator.get(keys.leader())).as("node1's lease ran out").isEmpty();

        operator.delete(keys.pause());
        long resumed = System.nanoTime();
        List<ClusterNode> promoted = List.of();
        long bound = resumed + TTL.plus(LOOP_WAIT).plusSeconds(5).toNanos();
        while (promoted.isEmpty() && System.nanoTime() < bound) {
          promoted = cluster.replicas().stream().filter(n -> writable(cluster, n)).toList();
          Thread.sleep(100);
        }
        double seconds = (System.nanoTime() - resumed) / 1e9;
        System.out.printf("resume -> a replica writable after %.1f s%n", seconds);
        assertThat(promoted).as("a replica promoted within ttl + loop_wait + 5 s of resume\n%s", transcripts(members)).hasSize(1);
        String winner = promoted.get(0).name();
        assertThat(operator.get(keys.leader())).map(kv -> kv.value()).contains(winner);
        String history;
        long historyBound = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
          history = operator.get(keys.history()).orElseThrow().value();
          Thread.sleep(200);
        } while (!history.contains(winner) && System.nanoTime() < historyBound);
        assertThat(history).as("the new primary wrote the history").contains("\"primary\":\"" + winner + "\"").contains("\"timeline\":2");
        Thread.sleep(LOOP_WAIT.multipliedBy(2).toMillis());
        assertThat(cluster.replicas().stream().filter(n -> writable(cluster, n)).map(ClusterNode::name).toList())
            .as("still exactly one writable two loops later").containsExactly(winner);
        watch.close();
        System.out.printf("writable per poll %s over %d polls%n", watch.histogram(), watch.polls());
        assertThat(watch.twoWritable()).as("polls (of %d) with two writable", watch.polls()).isEmpty();
      } finally {
        members.forEach(Member::close);
        System.out.println(transcripts(members));
      }
    }
  }

  @Test
  void withAllOfEtcdFrozenThePrimaryDemotesBeforeItsLeaseCanEndAndNobodyIsPromoted() throws Exception {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    try (EtcdCluster etcd = EtcdCluster.start(); Cluster cluster = Cluster.create(3)) {
      Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: " + cluster.lab().fallbackReason().orElse(""));
      FailoverIT.convergeWithRows(cluster, new Daemons(cluster));
      ClusterKeys keys = freshKeys();
      EtcdClient operator = EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(3)));
      List<Member> members = members(cluster, etcd, keys);
      ClusterNode node1 = cluster.node(1);
      try (WritableWatch watch = WritableWatch.start(cluster)) {
        startWithNode1Renewing(operator, keys, members);
        etcd.freezeAll();
        long frozen = System.nanoTime();
        try {
          // From the freeze on: the latest deadline node1 held (a renewal in flight at the freeze may still land)
          // and the first moment node1 is no longer writable.
          long latestDeadline = members.get(0).agent.holdDeadlineNanos().orElse(0);
          long demotedAt = 0;
          while (System.nanoTime() < frozen + TTL.plusSeconds(20).toNanos()) {
            latestDeadline = Math.max(latestDeadline, members.get(0).agent.holdDeadlineNanos().orElse(0));
            if (!writable(cluster, node1)) {
              demotedAt = System.nanoTime();
              break;
            }
            Thread.sleep(100);
          }
          long leaseEndsAtTheEarliest = latestDeadline + members.get(0).agent.margin().toNanos();
          System.out.printf("etcd frozen -> node1 not writable after %.1f s; its lease could end at the earliest %.1f s after the freeze%n",
              (demotedAt - frozen) / 1e9, (leaseEndsAtTheEarliest - frozen) / 1e9);
          assertThat(latestDeadline).as("node1 held the key with a deadline when etcd froze\n%s", transcripts(members)).isPositive();
          assertThat(demotedAt).as("node1 stopped being writable\n%s", transcripts(members)).isPositive();
          assertThat(demotedAt).as("node1 not writable before its lease could end (%.1f s late)",
              (demotedAt - leaseEndsAtTheEarliest) / 1e9).isLessThanOrEqualTo(leaseEndsAtTheEarliest);
          Thread.sleep(LOOP_WAIT.multipliedBy(2).toMillis());
          assertThat(cluster.nodes().stream().filter(n -> writable(cluster, n)).toList())
              .as("with etcd frozen nothing is promoted").isEmpty();
        } finally {
          etcd.thawAll();
        }
        watch.close();
        System.out.printf("writable per poll %s over %d polls%n", watch.histogram(), watch.polls());
        assertThat(watch.twoWritable()).as("polls (of %d) with two writable", watch.polls()).isEmpty();
      } finally {
        members.forEach(Member::close);
        System.out.println(transcripts(members));
      }
    }
  }

  /**
   * etcd frozen until the primary demotes, thawed at once: its lease, and the leader key on it,
   * have not ended in etcd yet. The former primary must not keep that lease alive while it no
   * longer acts as the key's holder (a run on CI once sat 150 s that way, nobody writable): it
   * proves the key is still its own by a full renewal and holds it again.
   */
  @Test
  void etcdThawedBeforeTheDemotedPrimarysLeaseEndedItHoldsTheKeyAgainInsteadOfKeepingItIdle() throws Exception {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    try (EtcdCluster etcd = EtcdCluster.start(); Cluster cluster = Cluster.create(3)) {
      Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: " + cluster.lab().fallbackReason().orElse(""));
      FailoverIT.convergeWithRows(cluster, new Daemons(cluster));
      ClusterKeys keys = freshKeys();
      EtcdClient operator = EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(3)));
      List<Member> members = members(cluster, etcd, keys);
      ClusterNode node1 = cluster.node(1);
      try (WritableWatch watch = WritableWatch.start(cluster)) {
        startWithNode1Renewing(operator, keys, members);
        etcd.freezeAll();
        long frozen = System.nanoTime();
        try {
          while (members.get(0).agent.holdDeadlineNanos().isPresent() && System.nanoTime() < frozen + TTL.plusSeconds(20).toNanos()) {
            Thread.sleep(50);
          }
          assertThat(members.get(0).agent.holdDeadlineNanos()).as("node1 dropped its hold with etcd frozen\n%s", transcripts(members))
              .isEmpty();
        } finally {
          etcd.thawAll();
        }
        long thawed = System.nanoTime();
        while (members.stream().noneMatch(m -> m.agent.holdDeadlineNanos().isPresent())
            && System.nanoTime() < thawed + TTL.plus(LOOP_WAIT.multipliedBy(5)).toNanos()) {
          Thread.sleep(100);
        }
        assertThat(members.stream().filter(m -> m.agent.holdDeadlineNanos().isPresent()).map(m -> m.node.name()).toList())
            .as("the members holding the leader key after the thaw\n%s", transcripts(members)).containsExactly("node1");
        assertThat(operator.get(keys.leader()).map(kv -> kv.value())).contains("node1");
        watch.close();
        assertThat(watch.twoWritable()).as("polls (of %d) with two writable", watch.polls()).isEmpty();
      } finally {
        members.forEach(Member::close);
        System.out.println(transcripts(members));
      }
    }
  }

  /** Starts every member's agent and waits until node1 holds the leader key and has renewed it once. */
  private static void startWithNode1Renewing(EtcdClient operator, ClusterKeys keys, List<Member> members) throws Exception {
    members.forEach(Member::start);
    awaitLeader(operator, keys, "node1", members);
    long renewedUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (members.get(0).said.stream().noneMatch(l -> l.startsWith("Renew")) && System.nanoTime() < renewedUntil) {
      Thread.sleep(200);
    }
  }

  private static ClusterKeys freshKeys() {
    return new ClusterKeys("/pgconverge-it", "c" + UUID.randomUUID().toString().substring(0, 8));
  }

  /** An agent per node, node1 the preferred primary, every priority 1; not started. */
  private static List<Member> members(Cluster cluster, EtcdCluster etcd, ClusterKeys keys) throws Exception {
    Map<String, Integer> priorities = Map.of("node1", 1, "node2", 1, "node3", 1);
    List<Member> members = new ArrayList<>();
    for (ClusterNode n : cluster.nodes()) {
      EtcdClient c = EtcdClient.open(EtcdSettings.plain(etcd.endpoints(), Duration.ofSeconds(5)));
      members.add(new Member(n, new FailoverAgent(spec(priorities), c, keys, n.name(), "node1",
          new PsqlServer(cluster, n, priorities), line -> System.out.println(n.name() + ": " + line))));
    }
    return members;
  }

  private static void awaitLeader(EtcdClient operator, ClusterKeys keys, String name, List<Member> members) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!operator.get(keys.leader()).map(kv -> kv.value().equals(name)).orElse(false) && System.nanoTime() < until) {
      Thread.sleep(200);
    }
    assertThat(operator.get(keys.leader())).as(transcripts(members)).map(kv -> kv.value()).contains(name);
  }

  private static String transcripts(List<Member> members) {
    return String.join("\n", members.stream().map(Member::transcript).toList());
  }
}
