package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdClient.Lease;
import io.pgconverge.etcd.EtcdException;
import io.pgconverge.etcd.EtcdSettings;
import io.pgconverge.etcd.KeyValue;
import io.pgconverge.etcd.LeaderLease;
import io.pgconverge.etcd.LeaderLease.Acquire;
import io.pgconverge.etcd.LeaderLease.LostReason;
import io.pgconverge.etcd.LeaderLease.Renewal;
import io.pgconverge.etcd.Watch;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The leader-lease primitives and the client's failure handling against a real three-member etcd 3.4. */
class EtcdLeaderLeaseIT {
  private static EtcdCluster etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdCluster.start();
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  private static EtcdClient client(Duration deadline, List<URI> endpoints) throws Exception {
    return EtcdClient.open(EtcdSettings.plain(endpoints, deadline));
  }

  private static ClusterKeys freshCluster() {
    return new ClusterKeys("/pgconverge-it", "c" + UUID.randomUUID().toString().substring(0, 8));
  }

  @Test
  void takesRenewsAndReleasesTheLeaderKey() throws Exception {
    EtcdClient c = client(Duration.ofSeconds(5), etcd.endpoints());
    LeaderLease node1 = new LeaderLease(c, freshCluster(), "node1");
    Lease lease = node1.grant(10);

    Acquire got = node1.tryTake(lease);
    assertThat(got).isInstanceOf(Acquire.Taken.class);
    KeyValue leader = node1.leader().orElseThrow();
    assertThat(leader.value()).isEqualTo("node1");
    assertThat(leader.lease()).isEqualTo(lease.id());
    assertThat(leader.key()).isEqualTo(node1.keys().prefix() + "leader");

    long beforeRenew = System.nanoTime();
    Renewal r = node1.renew(lease);
    assertThat(r).isInstanceOf(Renewal.Renewed.class);
    Renewal.Renewed renewed = (Renewal.Renewed) r;
    assertThat(renewed.lease().sentNanos()).isBetween(beforeRenew, System.nanoTime());
    assertThat(renewed.lease().ttlSeconds()).isEqualTo(10);
    assertThat(renewed.deadlineNanos(Duration.ofSeconds(2)))
        .isEqualTo(renewed.lease().sentNanos() + Duration.ofSeconds(8).toNanos());

    assertThat(node1.release()).isTrue();
    assertThat(node1.leader()).isEmpty();
    assertThat(node1.release()).as("a second release finds no key of ours").isFalse();
    assertThat(node1.renew(lease)).isEqualTo(new Renewal.Lost(LostReason.KEY_GONE, Optional.empty()));
    node1.revoke(lease);
  }

  @Test
  void aMemberKeyLivesOnItsOwnLeaseAndInitializeIsCreatedOnce() throws Exception {
    EtcdClient c = client(Duration.ofSeconds(5), etcd.endpoints());
    ClusterKeys keys = freshCluster();
    LeaderLease node1 = new LeaderLease(c, keys, "node1");
    LeaderLease node2 = new LeaderLease(c, keys, "node2");
    Lease l1 = node1.grant(10);
    Lease l2 = node2.grant(10);
    node1.touchMember("{\"role\":\"primary\"}", l1);
    node2.touchMember("{\"role\":\"replica\"}", l2);
    assertThat(c.getPrefix(keys.members()).kvs()).extracting(KeyValue::key, KeyValue::lease)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(keys.member("node1"), l1.id()),
            org.assertj.core.groups.Tuple.tuple(keys.member("node2"), l2.id()));

    assertThat(node1.initialize("sysid-1")).isTrue();
    assertThat(node2.initialize("sysid-2")).isFalse();
    assertThat(c.get(keys.initialize()).orElseThrow().value()).isEqualTo("sysid-1");

    node2.revoke(l2);
    assertThat(c.getPrefix(keys.members()).kvs()).extracting(KeyValue::key).containsExactly(keys.member("node1"));
    node1.revoke(l1);
    c.delete(keys.initialize());
  }

  @Test
  void ofTwoCandidatesAtOnceExactlyOneWinsEveryRound() throws Exception {
    List<URI> e = etcd.endpoints();
    // Each candidate has its own client and starts at a different member.
    EtcdClient ca = client(Duration.ofSeconds(5), List.of(e.get(0), e.get(1), e.get(2)));
    EtcdClient cb = client(Duration.ofSeconds(5), List.of(e.get(1), e.get(2), e.get(0)));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    int rounds = 40;
    int[] wins = new int[2];
    try {
      for (int round = 0; round < rounds; round++) {
        ClusterKeys keys = freshCluster();
        LeaderLease a = new LeaderLease(ca, keys, "node-a");
        LeaderLease b = new LeaderLease(cb, keys, "node-b");
        Lease la = a.grant(10);
        Lease lb = b.grant(10);
        CyclicBarrier together = new CyclicBarrier(2);
        Future<Acquire> fa = pool.submit(() -> {
          together.await(5, TimeUnit.SECONDS);
          return a.tryTake(la);
        });
        Future<Acquire> fb = pool.submit(() -> {
          together.await(5, TimeUnit.SECONDS);
          return b.tryTake(lb);
        });
        Acquire ra = fa.get(10, TimeUnit.SECONDS);
        Acquire rb = fb.get(10, TimeUnit.SECONDS);
        assertThat(List.of(ra, rb)).as("round %d", round).filteredOn(x -> x instanceof Acquire.Taken).hasSize(1);
        String winner = ra instanceof Acquire.Taken ? "node-a" : "node-b";
        wins[winner.equals("node-a") ? 0 : 1]++;
        Acquire loser = ra instanceof Acquire.Taken ? rb : ra;
        assertThat(((Acquire.HeldBy) loser).holder().value()).isEqualTo(winner);
        assertThat(a.leader().orElseThrow().value()).isEqualTo(winner);
        // The loser's renewal never takes the key over.
        LeaderLease losing = winner.equals("node-a") ? b : a;
        Renewal lost = losing.renew(winner.equals("node-a") ? lb : la);
        assertThat(lost).isInstanceOf(Renewal.Lost.class);
        assertThat(((Renewal.Lost) lost).reason()).isEqualTo(LostReason.HELD_BY_OTHER);
        assertThat(losing.release()).as("the loser cannot delete the winner's key").isFalse();
        assertThat(a.leader().orElseThrow().value()).isEqualTo(winner);
        a.revoke(la);
        b.revoke(lb);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("two candidates, %d rounds: node-a won %d, node-b won %d%n", rounds, wins[0], wins[1]);
  }

  @Test
  void aLeaseThatIsNotRenewedExpiresAndTheLeaderKeyGoes() throws Exception {
    EtcdClient c = client(Duration.ofSeconds(5), etcd.endpoints());
    LeaderLease node1 = new LeaderLease(c, freshCluster(), "node1");
    Lease lease = node1.grant(2);
    assertThat(node1.tryTake(lease)).isInstanceOf(Acquire.Taken.class);
    long goneAt = 0;
    long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < end) {
      if (node1.leader().isEmpty()) {
        goneAt = System.nanoTime();
        break;
      }
      Thread.sleep(100);
    }
    assertThat(goneAt).as("leader key gone within 15 s").isPositive();
    double seconds = (goneAt - lease.sentNanos()) / 1e9;
    System.out.printf("lease of 2 s, not renewed: leader key gone %.2f s after the grant was sent%n", seconds);
    assertThat(seconds).as("never before the TTL counted from the grant's sending").isGreaterThanOrEqualTo(2.0);
    assertThat(node1.renew(lease)).isInstanceOf(Renewal.Lost.class)
        .extracting(x -> ((Renewal.Lost) x).reason()).isEqualTo(LostReason.LEASE_EXPIRED);
  }

  @Test
  void rotatesToAnotherMemberWithinTheDeadlineWhenOneIsFrozen() throws Exception {
    Duration deadline = Duration.ofSeconds(6);
    EtcdClient c = client(deadline, etcd.endpoints());
    ClusterKeys keys = freshCluster();
    c.put(keys.config(), "v1", 0);
    assertThat(c.preferredEndpoint()).isEqualTo(etcd.endpoint(0));
    etcd.freeze(0);
    try {
      long t0 = System.nanoTime();
      assertThat(c.get(keys.config()).orElseThrow().value()).isEqualTo("v1");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("one member frozen: read answered by %s after %d ms (deadline %d ms)%n",
          c.preferredEndpoint(), ms, deadline.toMillis());
      assertThat(ms).isLessThanOrEqualTo(deadline.toMillis());
      assertThat(c.preferredEndpoint()).isNotEqualTo(etcd.endpoint(0));
      // The next request goes straight to the member that answered.
      long t1 = System.nanoTime();
      c.put(keys.config(), "v2", 0);
      assertThat((System.nanoTime() - t1) / 1_000_000).isLessThan(1000);
    } finally {
      etcd.thaw(0);
    }
    c.delete(keys.config());
  }

  @Test
  void allMembersFrozenIsUnavailableWithinTheDeadlineAndThawedWorksAgain() throws Exception {
    Duration deadline = Duration.ofSeconds(2);
    EtcdClient c = client(deadline, etcd.endpoints());
    ClusterKeys keys = freshCluster();
    LeaderLease node1 = new LeaderLease(c, keys, "node1");
    Lease lease = node1.grant(30);
    assertThat(node1.tryTake(lease)).isInstanceOf(Acquire.Taken.class);
    etcd.freezeAll();
    long ms;
    try {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> node1.renew(lease)).isInstanceOf(EtcdException.Unavailable.class)
          .satisfies(x -> assertThat(((EtcdException.Unavailable) x).attempts())
              .isNotEmpty().allSatisfy(a -> assertThat(a.reason()).isEqualTo(EtcdException.Reason.TIMEOUT)));
      ms = (System.nanoTime() - t0) / 1_000_000;
    } finally {
      etcd.thawAll();
    }
    System.out.printf("all members frozen: Unavailable after %d ms (deadline %d ms)%n", ms, deadline.toMillis());
    assertThat(ms).isBetween(deadline.toMillis() - 100, deadline.toMillis() + 500);

    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Renewal r = null;
    while (System.nanoTime() < end) {
      try {
        r = node1.renew(lease);
        break;
      } catch (EtcdException.Unavailable notYet) {
        Thread.sleep(200);
      }
    }
    assertThat(r).as("renewed after SIGCONT").isInstanceOf(Renewal.Renewed.class);
    assertThat(node1.release()).isTrue();
    node1.revoke(lease);
  }

  @Test
  void aWatchSeesTheLeaderChangeHands() throws Exception {
    EtcdClient c = client(Duration.ofSeconds(5), etcd.endpoints());
    ClusterKeys keys = freshCluster();
    LeaderLease node1 = new LeaderLease(c, keys, "node1");
    LeaderLease node2 = new LeaderLease(c, keys, "node2");
    Lease l1 = node1.grant(10);
    Lease l2 = node2.grant(10);
    assertThat(node1.tryTake(l1)).isInstanceOf(Acquire.Taken.class);
    List<Watch.Event> seen = new ArrayList<>();
    try (Watch w = c.watch(keys.leader(), false, 0)) {
      assertThat(node1.release()).isTrue();
      assertThat(node2.tryTake(l2)).isInstanceOf(Acquire.Taken.class);
      long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (seen.size() < 2 && System.nanoTime() < end) {
        w.poll(Duration.ofMillis(200)).ifPresent(seen::add);
      }
    }
    assertThat(seen).extracting(Watch.Event::type).containsExactly(Watch.Event.Type.DELETE, Watch.Event.Type.PUT);
    assertThat(seen.get(1).kv().value()).isEqualTo("node2");
    assertThat(seen.get(1).kv().lease()).isEqualTo(l2.id());
    node1.revoke(l1);
    node2.revoke(l2);
  }

  @Test
  void aWatchOpensOnAnotherMemberWhenTheFirstIsFrozen() throws Exception {
    Duration deadline = Duration.ofSeconds(6);
    EtcdClient watcher = client(deadline, etcd.endpoints());
    EtcdClient writer = client(deadline, List.of(etcd.endpoint(1), etcd.endpoint(2)));
    ClusterKeys keys = freshCluster();
    etcd.freeze(0);
    try {
      long t0 = System.nanoTime();
      try (Watch w = watcher.watch(keys.prefix(), true, 0)) {
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("one member frozen: watch confirmed by %s after %d ms%n", watcher.preferredEndpoint(), ms);
        assertThat(ms).isLessThanOrEqualTo(deadline.toMillis());
        assertThat(watcher.preferredEndpoint()).isNotEqualTo(etcd.endpoint(0));
        writer.put(keys.failover(), "to node3", 0);
        Optional<Watch.Event> ev = w.poll(Duration.ofSeconds(5));
        assertThat(ev).map(e -> e.kv().key() + "=" + e.kv().value()).contains(keys.failover() + "=to node3");
      }
    } finally {
      etcd.thaw(0);
    }
    writer.delete(keys.failover());
  }

  @Test
  void aKilledMemberRestartedServesAgain() throws Exception {
    EtcdClient only3 = client(Duration.ofSeconds(3), List.of(etcd.endpoint(2)));
    ClusterKeys keys = freshCluster();
    etcd.kill(2);
    EtcdClient others = client(Duration.ofSeconds(5), etcd.endpoints());
    others.put(keys.config(), "written while member 3 was down", 0);
    assertThatThrownBy(() -> only3.get(keys.config())).isInstanceOf(EtcdException.Unavailable.class);
    etcd.restart(2);
    assertThat(only3.get(keys.config()).orElseThrow().value()).isEqualTo("written while member 3 was down");
    others.delete(keys.config());
  }
}
