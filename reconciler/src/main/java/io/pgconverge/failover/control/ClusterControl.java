package io.pgconverge.failover.control;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.desired.Peer;
import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdException;
import io.pgconverge.etcd.EtcdSettings;
import io.pgconverge.etcd.KeyValue;
import io.pgconverge.etcd.Txn;
import io.pgconverge.failover.ClusterRequests;
import io.pgconverge.failover.ClusterRequests.ClusterState;
import io.pgconverge.failover.ClusterRequests.PreferredChange;
import io.pgconverge.failover.FailoverFacts.Request;
import io.pgconverge.report.EtcdClusterStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The operator's requests to a cluster under {@code failover.mode: etcd}, written to its etcd
 * keys: pause and resume, a switchover or failover request, the one-shot switchover a pushed
 * file fires when its {@code role: primary} changes, and what {@code status --cluster} shows.
 * What is allowed is decided by {@link ClusterRequests} (pure) on one linearizable read of every
 * key of the cluster; the write is one transaction whose compares repeat what that decision
 * relied on (the leader, no pause, the request or config as read), so a cluster that changed in
 * between is read and judged again (at most three times) rather than overwritten.
 *
 * <p>Exit codes of the commands: {@link #DONE} 0, {@link #REFUSED} 4 (refused, etcd unavailable,
 * or not carried out in time).
 */
public final class ClusterControl {
  public static final int DONE = 0;
  public static final int REFUSED = 4;
  private static final int ATTEMPTS = 3;
  private static final Duration POLL = Duration.ofMillis(500);

  private final EtcdClient client;
  private final ClusterKeys keys;
  private final FailoverSpec spec;
  private final List<String> peers;
  private final boolean synchronous;

  public ClusterControl(EtcdClient client, ClusterKeys keys, FailoverSpec spec, List<String> peers, boolean synchronous) {
    this.client = client;
    this.keys = keys;
    this.spec = spec;
    this.peers = List.copyOf(peers);
    this.synchronous = synchronous;
  }

  /** How to reach the etcd of {@code spec} (mode etcd): its endpoints, TLS and user, one request bounded by {@code retry_timeout}. */
  public static EtcdSettings settings(FailoverSpec spec) {
    FailoverSpec.Etcd e = spec.etcd().orElseThrow(() -> new IllegalArgumentException("failover.mode is not etcd"));
    Optional<EtcdSettings.Tls> tls = e.caFile().map(ca -> new EtcdSettings.Tls(ca, e.certFile(), e.keyFile()));
    Optional<EtcdSettings.Auth> auth = e.user().map(u -> new EtcdSettings.Auth(u, e.passwordFile().orElseThrow()));
    return new EtcdSettings(e.endpoints(), spec.retryTimeout(), tls, auth);
  }

  /** The keys of {@code desired}'s cluster under its namespace. */
  public static ClusterKeys keys(DesiredState desired) {
    return new ClusterKeys(desired.failover().etcd().orElseThrow().namespace(), desired.cluster());
  }

  /** A control for {@code desired}'s cluster (failover.mode etcd); reads the TLS files, connects to nothing yet. */
  public static ClusterControl open(DesiredState desired) throws IOException {
    return new ClusterControl(EtcdClient.open(settings(desired.failover())), keys(desired), desired.failover(),
        desired.peers().stream().map(Peer::name).toList(), desired.replication().flatMap(r -> r.synchronous()).isPresent());
  }

  /** What a command did: its exit code and the sentence it prints. */
  public record Outcome(int exitCode, String message) {}

  /** One linearizable read of every key of the cluster. */
  public record Snapshot(ClusterState state, Map<String, KeyValue> byKey) {
    Optional<KeyValue> kv(String key) {
      return Optional.ofNullable(byKey.get(key));
    }
  }

  public Snapshot read() throws EtcdException {
    List<KeyValue> kvs = client.getPrefix(keys.prefix()).kvs();
    Map<String, KeyValue> byKey = new HashMap<>();
    kvs.forEach(kv -> byKey.put(kv.key(), kv));
    return new Snapshot(ControlJson.state(keys, kvs), byKey);
  }

  // ---------------------------------------------------------------------------------------------
  // pause / resume

  /** Puts the pause key (its value says who and when) unless it is there already: a second pause writes nothing. */
  public Outcome pause(String by, String at) {
    try {
      Txn.Result r = client.txn(new Txn(List.of(new Txn.Compare.CreateRevision(keys.pause(), 0)),
          List.of(new Txn.Op.Put(keys.pause(), ControlJson.pause(by, at), 0)), List.of(new Txn.Op.Range(keys.pause()))));
      if (r.succeeded()) {
        return new Outcome(DONE, "paused: nothing is promoted or demoted until pgconverge resume (" + keys.pause() + ")");
      }
      String since = r.ranges().isEmpty() || r.ranges().get(0).isEmpty() ? "?" : ControlJson.pauseText(r.ranges().get(0).get(0).value());
      return new Outcome(DONE, "already paused (" + since + "): nothing written");
    } catch (EtcdException e) {
      return new Outcome(REFUSED, "pause failed: " + e.getMessage());
    }
  }

  /** Deletes the pause key; already absent is fine. */
  public Outcome resume() {
    try {
      return new Outcome(DONE, client.delete(keys.pause()) > 0 ? "resumed: the daemons promote and demote again"
          : "not paused: nothing to resume");
    } catch (EtcdException e) {
      return new Outcome(REFUSED, "resume failed: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // switchover / failover

  /**
   * Requests a switchover to {@code candidate} (from the leader, which {@code from} must name when
   * given) and, with {@code wait}, polls until the leader key names the candidate; a request not
   * carried out within {@code wait} is withdrawn (deleted under a compare on the revision we
   * wrote it at), so it cannot fire later by surprise.
   */
  public Outcome requestSwitchover(String candidate, Optional<String> from, Optional<Duration> wait, Consumer<String> progress) {
    return request(Request.Kind.SWITCHOVER, candidate, from, false, wait, progress);
  }

  /** Requests a failover to {@code candidate} in a cluster whose leader key nobody holds; see {@link #requestSwitchover}. */
  public Outcome requestFailover(String candidate, boolean allowDataLoss, Optional<Duration> wait, Consumer<String> progress) {
    return request(Request.Kind.FAILOVER, candidate, Optional.empty(), allowDataLoss, wait, progress);
  }

  private Outcome request(Request.Kind kind, String candidate, Optional<String> from, boolean allowDataLoss, Optional<Duration> wait,
      Consumer<String> progress) {
    String what = kind.name().toLowerCase();
    try {
      for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        Snapshot s = read();
        ClusterState st = s.state();
        Optional<String> refused = kind == Request.Kind.SWITCHOVER
            ? ClusterRequests.refuseSwitchover(spec, peers, st, candidate, from)
            : ClusterRequests.refuseFailover(spec, peers, st, candidate, synchronous, allowDataLoss);
        if (refused.isPresent()) {
          return new Outcome(REFUSED, what + " to " + candidate + " refused: " + refused.get());
        }
        long generation = st.config().map(ClusterRequests.Preferred::generation).orElse(0L);
        Request r = new Request(kind, kind == Request.Kind.SWITCHOVER ? st.leader() : Optional.empty(), candidate, generation);
        List<Txn.Compare> compare = new ArrayList<>();
        compare.add(unchanged(s, keys.failover()));
        compare.add(new Txn.Compare.CreateRevision(keys.pause(), 0));
        compare.add(kind == Request.Kind.SWITCHOVER ? new Txn.Compare.Value(keys.leader(), st.leader().get())
            : new Txn.Compare.CreateRevision(keys.leader(), 0));
        String value = ControlJson.request(r, allowDataLoss);
        Txn.Result written = client.txn(new Txn(compare, List.of(new Txn.Op.Put(keys.failover(), value, 0)), List.of()));
        if (!written.succeeded()) {
          continue; // the cluster changed since the read: judge it again
        }
        st.request().filter(p -> !p.request().candidate().equals(candidate))
            .ifPresent(p -> progress.accept("replaced the pending request to " + p.request().candidate()));
        progress.accept(what + " to " + candidate + " requested" + r.from().map(f -> " from " + f).orElse("") + ": " + value);
        return wait.isEmpty() ? new Outcome(DONE, what + " to " + candidate + " requested; not waiting (--no-wait)")
            : awaitLeader(what, candidate, wait.get(), written.header().revision(), progress);
      }
      return new Outcome(REFUSED, what + " to " + candidate + " not requested: the cluster's keys changed " + ATTEMPTS
          + " times while it was being written; run it again");
    } catch (EtcdException e) {
      return new Outcome(REFUSED, what + " to " + candidate + " failed: " + e.getMessage());
    }
  }

  /** A compare that holds while {@code key} is as {@code s} read it: absent, or last modified at the same revision. */
  private static Txn.Compare unchanged(Snapshot s, String key) {
    return s.kv(key).<Txn.Compare>map(kv -> new Txn.Compare.ModRevision(key, kv.modRevision()))
        .orElse(new Txn.Compare.CreateRevision(key, 0));
  }

  private Outcome awaitLeader(String what, String candidate, Duration wait, long writtenAt, Consumer<String> progress)
      throws EtcdException {
    long end = System.nanoTime() + wait.toNanos();
    Optional<String> lastLeader = Optional.of("?");
    Snapshot s = null;
    while (System.nanoTime() < end) {
      try {
        s = read();
      } catch (EtcdException e) {
        progress.accept("etcd did not answer while waiting: " + e.getMessage());
        sleep(POLL);
        continue;
      }
      Optional<String> leader = s.state().leader();
      if (leader.filter(candidate::equals).isPresent()) {
        return new Outcome(DONE, what + " to " + candidate + " done: " + candidate + " holds the leader key");
      }
      if (!leader.equals(lastLeader)) {
        progress.accept("leader key: " + leader.orElse("nobody"));
        lastLeader = leader;
      }
      sleep(POLL);
    }
    s = read();
    if (s.state().leader().filter(candidate::equals).isPresent()) {
      return new Outcome(DONE, what + " to " + candidate + " done: " + candidate + " holds the leader key");
    }
    String why = ClusterRequests.notYet(spec, s.state(), candidate);
    String member = s.kv(keys.member(candidate)).map(kv -> "; " + candidate + "'s member key is " + kv.value()).orElse("");
    boolean withdrawn = client.txn(new Txn(List.of(new Txn.Compare.ModRevision(keys.failover(), writtenAt)),
        List.of(new Txn.Op.Delete(keys.failover())), List.of())).succeeded();
    return new Outcome(REFUSED, what + " to " + candidate + " not carried out within " + wait.toSeconds() + " s: " + why + member
        + (withdrawn ? "; the request is withdrawn" : "; the request had already been taken up or replaced"));
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The one-shot switchover of a pushed file

  /**
   * The one-shot switchover a pushed file fires when its {@code role: primary} (the preferred
   * primary under mode etcd) changes; the daemon calls it with each desired state it starts
   * enforcing. etcd's {@code config} key holds {@code {"preferred", "generation"}}: no key yet →
   * it is created at generation 0 and nothing fires (the bootstrap); the same preferred primary →
   * nothing is written (a re-push fires nothing); another one → one transaction, compared on the
   * config key's mod_revision as read, writes the config at generation + 1 and a switchover
   * request to it carrying that generation (none when it already holds the leader key or has
   * failover_priority 0). Of two daemons pushing the same file at once, one transaction wins;
   * the other reads the config again, finds it equal and fires nothing.
   *
   * @param previouslyPreferred the preferred primary of the file this daemon enforced before, when
   *     there was one: when it equals the new one, this daemon's file did not change it and nothing
   *     fires, so a host holding a stale file does not switch the cluster back
   * @return what was decided; {@link PreferredChange.Changed} only for the caller whose transaction wrote it
   * @throws EtcdException when etcd cannot be read or written (nothing is known to have fired; call again)
   */
  public PreferredChange preferredPrimaryChanged(DesiredState desired, Optional<String> previouslyPreferred) throws EtcdException {
    String preferred = desired.primary().name();
    for (int attempt = 1; ; attempt++) {
      Snapshot s = read();
      PreferredChange change = ClusterRequests.preferredPrimary(spec, s.state().config(), preferred, previouslyPreferred,
          s.state().leader());
      List<Txn.Op> writes = new ArrayList<>();
      if (change instanceof PreferredChange.Bootstrap b) {
        writes.add(new Txn.Op.Put(keys.config(), ControlJson.config(b.config()), 0));
      } else if (change instanceof PreferredChange.Changed c) {
        writes.add(new Txn.Op.Put(keys.config(), ControlJson.config(c.config()), 0));
        c.request().ifPresent(r -> writes.add(new Txn.Op.Put(keys.failover(), ControlJson.request(r, false), 0)));
      } else {
        return change;
      }
      if (client.txn(new Txn(List.of(unchanged(s, keys.config())), writes, List.of())).succeeded()) {
        return change;
      }
      if (attempt == ATTEMPTS) {
        throw new EtcdException.Refused("config update", 10, "the config key changed " + ATTEMPTS + " times while it was written");
      }
    }
  }

  /** {@link #preferredPrimaryChanged(DesiredState, Optional)} without a previous file: a difference from etcd's config fires. */
  public PreferredChange preferredPrimaryChanged(DesiredState desired) throws EtcdException {
    return preferredPrimaryChanged(desired, Optional.empty());
  }

  /**
   * What a daemon calls with its first desired state: creates the config key when there is none
   * (the bootstrap, generation 0) and fires nothing otherwise, since at start nothing says whether
   * this file is newer than the one etcd's config came from (a host restarted with a stale file
   * must not switch the cluster back). A push the daemon sees later goes to {@link
   * #preferredPrimaryChanged(DesiredState, Optional)} with the previous file's preferred primary.
   */
  public PreferredChange preferredPrimaryAtStart(DesiredState desired) throws EtcdException {
    return preferredPrimaryChanged(desired, Optional.of(desired.primary().name()));
  }

  // ---------------------------------------------------------------------------------------------
  // status --cluster

  /** What etcd says of the cluster, for {@code status --cluster}; etcd unreachable is a status that says so, never an exception. */
  public EtcdClusterStatus status() {
    try {
      Snapshot s = read();
      ClusterState st = s.state();
      Optional<EtcdClient.LeaseTtl> ttl = Optional.empty();
      Optional<KeyValue> leader = s.kv(keys.leader());
      if (leader.isPresent() && leader.get().lease() != 0) {
        ttl = Optional.of(client.timeToLive(leader.get().lease()));
      }
      Map<String, String> members = new HashMap<>();
      s.byKey().forEach((k, kv) -> {
        if (k.startsWith(keys.members())) {
          members.put(k.substring(keys.members().length()), kv.value());
        }
      });
      return new EtcdClusterStatus(keys.prefix(), Optional.empty(), st.leader(), ttl.map(EtcdClient.LeaseTtl::ttlSeconds),
          ttl.map(EtcdClient.LeaseTtl::grantedTtlSeconds), st.pause(), s.kv(keys.failover()).map(KeyValue::value),
          st.config().map(c -> c.preferred() + " (generation " + c.generation() + ")"), st.sync(),
          s.kv(keys.history()).map(KeyValue::value), members);
    } catch (EtcdException e) {
      return EtcdClusterStatus.unreachable(keys.prefix(), e.getMessage());
    }
  }
}
