package io.pgconverge.failover.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdClient.Lease;
import io.pgconverge.etcd.EtcdException;
import io.pgconverge.etcd.KeyValue;
import io.pgconverge.etcd.LeaderLease;
import io.pgconverge.etcd.LeaderLease.Acquire;
import io.pgconverge.etcd.LeaderLease.Renewal;
import io.pgconverge.etcd.Txn;
import io.pgconverge.failover.FailoverDecision;
import io.pgconverge.failover.FailoverFacts;
import io.pgconverge.failover.FailoverFacts.EtcdView;
import io.pgconverge.failover.FailoverFacts.History;
import io.pgconverge.failover.FailoverFacts.Hold;
import io.pgconverge.failover.FailoverFacts.Local;
import io.pgconverge.failover.FailoverFacts.Member;
import io.pgconverge.failover.FailoverFacts.Request;
import io.pgconverge.failover.FailoverStep;
import io.pgconverge.failover.SyncKeyStep;
import io.pgconverge.plan.SynchronousStandbys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * One member's failover loop under {@code failover.mode: etcd}.
 *
 * <ol>
 *   <li>{@link #tick}: first renew (holding the key) or keep alive our lease (grant a new one when
 *       it is gone), so the deadline never waits behind a slow observation; then read every
 *       key of the cluster in one linearizable range, observe the local server and poll the
 *       peers, ask {@link FailoverStep}, carry the decision out, publish our member key.
 *   <li>The leader key is only ever taken by {@link LeaderLease#tryTake} (compare {@code
 *       create_revision == 0}); a promotion runs only after that transaction succeeded, and the
 *       history key then records the new timeline.
 *   <li>Our hold on the key is the deadline of the last renewal that went through, {@code sent +
 *       ttl - margin} on the monotonic clock, counted from when the keepalive was <em>sent</em>.
 *       {@link #checkDeadline} (run every 100 ms by the daemon, apart from the loop, so a stalled
 *       etcd call cannot delay it) demotes a writable server whose deadline passed.
 *   <li>With {@code replication.synchronous}, the leader keeps the {@code sync} key ({@code
 *       {"leader": self, "members": [...]}}) equal to the standbys that are synchronous now;
 *       {@link FailoverStep} promotes automatically (method {@code first}) only a member of it.
 *       Method {@code first}: {@link SyncKeyStep} decides the key and the list the primary's
 *       synchronous_standby_names names ({@link #synchronousChoice}, which the daemon's runs
 *       render); the key is written before a list that drops one of its members is handed on, and
 *       a standby joins it only once the server's loaded list names it; a promotion empties the key
 *       first. Method {@code any}: {@link #maintainQuorum}.
 * </ol>
 *
 * Not thread-safe beyond that: one thread ticks, one checks the deadline; the hold is shared
 * under this object's lock.
 */
public final class FailoverAgent {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FailoverSpec spec;
  private final Optional<SynchronousSpec> synchronous;
  private final EtcdClient client;
  private final ClusterKeys keys;
  private final LeaderLease leaderLease;
  private final String self;
  private final String preferredPrimary;
  private final ServerPort server;
  private final Duration margin;
  private final Consumer<String> log;

  private final WritableGrace grace;
  private Lease lease;
  private Optional<Hold> hold = Optional.empty();
  /** Until when the last loop's failsafe confirmation (every peer streams from us) keeps a passed deadline from demoting; 0: none. */
  private volatile long failsafeUntilNanos;
  private volatile Optional<String> primary = Optional.empty();
  /** etcd's initialize and pause keys as the last answered read found them (false before one). */
  private volatile boolean initialized;
  private volatile boolean paused;
  /** The timeline of etcd's {@code history} key at the last answered read (0: no key). */
  private volatile long historyTimeline;
  /** Standbys seen synchronous but not yet in the sync key: our WAL position when first seen so (they join once flushed past it). */
  private final Map<String, Long> joining = new HashMap<>();
  /** The sync key's members as we last wrote them while holding the leader key (null: not written by us as this leader). */
  private List<String> published;
  /** Method first: the list handed to the runs (empty: none chosen yet, or we do not lead). */
  private volatile Optional<SyncKeyStep.Choice> chosen = Optional.empty();
  /** Method first: {@link SyncKeyStep.Change#joining} of the last loop. */
  private Map<String, Long> firstJoining = Map.of();
  /** Method first: the key's members as this loop's promotion wrote them (empty: not written this loop). */
  private Optional<List<String>> keyThisTick = Optional.empty();
  /** Method first: this loop promoted our server (it is writable although the loop's facts say not). */
  private boolean promotedThisTick;

  /** Under asynchronous replication. */
  public FailoverAgent(FailoverSpec spec, EtcdClient client, ClusterKeys keys, String self, String preferredPrimary,
      ServerPort server, Consumer<String> log) {
    this(spec, Optional.empty(), client, keys, self, preferredPrimary, server, log);
  }

  /** {@code synchronous}: the desired state's {@code replication.synchronous}, if declared. */
  public FailoverAgent(FailoverSpec spec, Optional<SynchronousSpec> synchronous, EtcdClient client, ClusterKeys keys, String self,
      String preferredPrimary, ServerPort server, Consumer<String> log) {
    this.spec = spec;
    this.synchronous = synchronous;
    this.client = client;
    this.keys = keys;
    this.leaderLease = new LeaderLease(client, keys, self);
    this.self = self;
    this.preferredPrimary = preferredPrimary;
    this.server = server;
    this.log = log;
    this.margin = safetyMargin(spec);
    this.grace = new WritableGrace(spec.ttl(), margin);
  }

  /**
   * How much earlier than the lease's end a primary gives up: {@code retry_timeout} (at most half
   * the ttl), the time a bounded stop (fast, then immediate) gets. Validation keeps {@code
   * loop_wait + 2 × retry_timeout <= ttl}, so a renewal every loop still fits in {@code ttl -
   * margin}.
   */
  static Duration safetyMargin(FailoverSpec spec) {
    Duration half = spec.ttl().dividedBy(2);
    return spec.retryTimeout().compareTo(half) > 0 ? half : spec.retryTimeout();
  }

  /** Who is primary as of the last tick: the holder of the leader key (empty when nobody or unknown). */
  public Optional<String> primary() {
    return primary;
  }

  /** True when the last answered read found etcd's {@code initialize} key: the cluster exists. */
  public boolean initialized() {
    return initialized;
  }

  /** The timeline the {@code history} key named at the last answered read (a promotion raises it); 0 without the key. */
  public long historyTimeline() {
    return historyTimeline;
  }

  /** True when the last answered read found etcd's {@code pause} key. */
  public boolean paused() {
    return paused;
  }

  /** The deadline of our hold on the leader key (monotonic nanoseconds), when we believe we hold it. */
  public OptionalLong holdDeadlineNanos() {
    return currentHold().map(h -> OptionalLong.of(h.deadlineNanos())).orElse(OptionalLong.empty());
  }

  /** The safety margin: the deadline is this much before the lease can end. */
  public Duration margin() {
    return margin;
  }

  /** True while we hold the leader key and our last renewal's deadline has not passed. */
  public boolean holdsKeyNow() {
    Optional<Hold> h = currentHold();
    return h.isPresent() && System.nanoTime() < h.get().deadlineNanos();
  }

  /**
   * Method {@code first} as the leader: the standbys synchronous_standby_names must name now
   * ({@link SyncKeyStep}); empty when we do not lead, or no list is chosen yet (a run then leaves
   * the primary's roles alone).
   */
  public Optional<SyncKeyStep.Choice> synchronousChoice() {
    return chosen;
  }

  /** One loop: read, observe, decide, act. Returns the decision, for the log and the tests. */
  public FailoverDecision tick() {
    long highestBefore = client.highestRaftTerm();
    EtcdView view = read(highestBefore);
    Local local = server.observe();
    long now = System.nanoTime();
    if (grace.overdue(currentHold().isPresent(), local.writable(), now)) {
      String why = "we hold the leader key but our server has not been writable for " + grace.notWritableMillis(now)
          + " ms (more than ttl - margin): letting the key go so a healthy replica takes over";
      try {
        leaderLease.release();
      } catch (EtcdException e) {
        log.accept("could not delete the leader key (it ends with our lease): " + e.getMessage());
      }
      dropHold();
      grace.reset();
      primary = Optional.empty();
      chosen = Optional.empty();
      publish(local);
      return new FailoverDecision.Release(why);
    }
    FailoverFacts facts = new FailoverFacts(self, preferredPrimary, view, local, server.pollPeers(), currentHold(), System.nanoTime());
    FailoverDecision decision = FailoverStep.decide(spec, synchronous, facts);
    noteFailsafe(decision);
    Optional<String> etcdFailed = act(decision, facts);
    if (etcdFailed.isPresent() && facts.etcd() instanceof EtcdView.Answered) {
      // etcd answered this loop's read but went away while we acted on it: judge again as a loop
      // without etcd would, now, instead of a loop_wait and another round of timeouts later (a
      // writable leader's failsafe must be confirmed before its lease's deadline, and each call to
      // an unreachable etcd costs every endpoint's timeout)
      facts = new FailoverFacts(self, preferredPrimary, new EtcdView.Unavailable(etcdFailed.get()), local, facts.peers(),
          currentHold(), System.nanoTime());
      decision = FailoverStep.decide(spec, synchronous, facts);
      noteFailsafe(decision);
      act(decision, facts);
    }
    if (synchronous.filter(s -> s.method() == SynchronousSpec.Method.FIRST).isPresent()) {
      maintainFirst(facts);
    } else {
      maintainQuorum(facts);
    }
    if (facts.etcd() instanceof EtcdView.Answered) {
      publish(local); // not to an etcd this loop found unavailable: the next loop publishes
    }
    return decision;
  }

  private void noteFailsafe(FailoverDecision decision) {
    // counted from the decision, not from the facts: the next decision comes a loop_wait after
    // this tick ends, and a tick without etcd takes up to two retry_timeouts (the keepalive's
    // endpoints, then the peers' poll); one second more for the scheduling
    failsafeUntilNanos = decision instanceof FailoverDecision.Failsafe
        ? System.nanoTime() + spec.loopWait().plus(spec.retryTimeout().multipliedBy(2)).plusSeconds(1).toNanos() : 0;
  }

  /**
   * Demotes a writable server whose hold on the key has passed its deadline; true if it did. Not
   * while failsafe holds: with {@code failsafe: true}, a loop that found etcd unavailable and every
   * peer answering as a replica streaming from us ({@link FailoverDecision.Failsafe}) keeps us
   * primary until the next loop must have confirmed it again ({@code loop_wait + 2 ×
   * retry_timeout + 1 s} after the decision); a loop that does not confirm it ends failsafe at once.
   */
  public boolean checkDeadline() {
    Optional<Hold> h = currentHold();
    long now = System.nanoTime();
    if (h.isEmpty() || now < h.get().deadlineNanos() || (spec.failsafe() && now < failsafeUntilNanos)) {
      return false;
    }
    synchronized (this) {
      hold = Optional.empty();
    }
    log.accept("the leader lease was not renewed before its deadline: demoting rather than risk a second writer");
    server.demote();
    return true;
  }

  private synchronized Optional<Hold> currentHold() {
    return hold;
  }

  private synchronized void holdUntil(long sentNanos, long ttlSeconds) {
    hold = Optional.of(new Hold(LeaderLease.deadlineNanos(sentNanos, ttlSeconds, margin)));
  }

  private synchronized void dropHold() {
    hold = Optional.empty();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading etcd

  private EtcdView read(long highestBefore) {
    try {
      keepLeaseAlive();
      EtcdClient.Range range = client.getPrefix(keys.prefix());
      Map<String, KeyValue> byKey = new HashMap<>();
      range.kvs().forEach(kv -> byKey.put(kv.key(), kv));
      Map<String, Member> members = new HashMap<>();
      for (KeyValue kv : range.kvs()) {
        if (kv.key().startsWith(keys.members())) {
          JsonNode m = json(kv.value());
          members.put(kv.key().substring(keys.members().length()),
              new Member(m.path("role").asText("unknown"), m.path("timeline").asLong(0), m.path("lsn").asLong(0)));
        }
      }
      Optional<String> leader = Optional.ofNullable(byKey.get(keys.leader())).map(KeyValue::value);
      primary = leader;
      initialized = byKey.containsKey(keys.initialize());
      paused = byKey.containsKey(keys.pause());
      Optional<History> history = Optional.ofNullable(byKey.get(keys.history())).map(kv -> json(kv.value()))
          .map(h -> new History(h.path("timeline").asLong(0), h.path("primary").asText("")));
      historyTimeline = history.map(History::timeline).orElse(0L);
      Optional<Request> request = Optional.ofNullable(byKey.get(keys.failover())).map(kv -> json(kv.value()))
          .filter(r -> r.hasNonNull("candidate"))
          .map(r -> new Request(r.path("kind").asText("switchover").equals("failover") ? Request.Kind.FAILOVER : Request.Kind.SWITCHOVER,
              Optional.ofNullable(r.path("from").textValue()), r.path("candidate").asText(), r.path("generation").asLong(0),
              r.path("allow_data_loss").asBoolean(false)));
      Optional<List<String>> sync = Optional.ofNullable(byKey.get(keys.sync())).map(kv -> json(kv.value()))
          .filter(v -> v.path("members").isArray()).map(v -> {
            List<String> names = new ArrayList<>();
            v.path("members").forEach(m -> names.add(m.asText()));
            return names;
          });
      JsonNode status = Optional.ofNullable(byKey.get(status())).map(kv -> json(kv.value())).orElse(JSON.nullNode());
      OptionalLong lastLsn = status.has("lsn") ? OptionalLong.of(status.path("lsn").asLong()) : OptionalLong.empty();
      return new EtcdView.Answered(leader, members, history, byKey.containsKey(keys.pause()), request,
          Optional.ofNullable(byKey.get(keys.initialize())).map(KeyValue::value), lastLsn, range.header().raftTerm(), highestBefore, sync);
    } catch (EtcdException e) {
      return new EtcdView.Unavailable(e.getMessage());
    }
  }

  /**
   * Keeps our lease alive first thing in the loop, before the (possibly slow) observation: while
   * we hold the leader key, by a full renewal (keepalive + compare on the key), which moves the
   * deadline; otherwise by a keepalive. A lost key drops our hold; the decision then demotes.
   */
  private void keepLeaseAlive() throws EtcdException {
    if (lease != null && currentHold().isPresent()) {
      Renewal r = leaderLease.renew(lease);
      if (r instanceof Renewal.Renewed renewed) {
        lease = renewed.lease();
        holdUntil(renewed.lease().sentNanos(), renewed.lease().ttlSeconds());
        return;
      }
      dropHold();
      log.accept("lost the leader key: " + ((Renewal.Lost) r).reason().text);
      if (((Renewal.Lost) r).reason() != LeaderLease.LostReason.LEASE_EXPIRED) {
        return;
      }
      lease = null;
    }
    if (lease != null && primary.filter(self::equals).isPresent()) {
      // etcd named us leader at the last read, but our hold was dropped (its deadline passed while
      // etcd did not answer: the server was demoted). A plain keepalive would keep our lease, and
      // with it the leader key, alive for good while this host refuses to act as its holder, and
      // no replica could take the key: nobody would ever be writable. The full renewal (keepalive
      // and a compare on the key) proves the key is still ours; then we hold it again and the
      // daemon starts the server. Otherwise it is lost, as above.
      Renewal r = leaderLease.renew(lease);
      if (r instanceof Renewal.Renewed renewed) {
        lease = renewed.lease();
        holdUntil(renewed.lease().sentNanos(), renewed.lease().ttlSeconds());
        log.accept("the leader key is still ours now that etcd answers again: holding it again");
        return;
      }
      if (((Renewal.Lost) r).reason() != LeaderLease.LostReason.LEASE_EXPIRED) {
        return;
      }
      lease = null;
    }
    if (lease != null) {
      try {
        lease = client.keepAlive(lease.id());
        return;
      } catch (EtcdException.LeaseNotFound gone) {
        dropHold();
      }
    }
    lease = client.grantLease(spec.ttl().toSeconds());
  }

  /** The key where the leader publishes its WAL position every loop (no lease: it outlives the leader). */
  private String status() {
    return keys.prefix() + "status";
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      return JSON.nullNode();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Acting

  /**
   * Carries out {@code decision}; the message when etcd became unavailable on the way (no endpoint
   * answered: not a refusal, which is an answer).
   */
  private Optional<String> act(FailoverDecision decision, FailoverFacts facts) {
    try {
      if (decision instanceof FailoverDecision.Renew) {
        renewUnlessRenewed(facts);
      } else if (decision instanceof FailoverDecision.Promote) {
        if (renewUnlessRenewed(facts)) {
          promote(facts);
        }
      } else if (decision instanceof FailoverDecision.TakeThenPromote) {
        if (take()) {
          promote(facts);
        }
      } else if (decision instanceof FailoverDecision.TakeAsPrimary) {
        if (!take()) {
          demote("another member took the leader key first");
        }
      } else if (decision instanceof FailoverDecision.Bootstrap) {
        if (leaderLease.initialize(self) && take()) {
          client.put(keys.history(), history(Math.max(1, facts.local().timeline())), 0);
        }
      } else if (decision instanceof FailoverDecision.Demote d) {
        demote(d.reason());
      } else if (decision instanceof FailoverDecision.StepDown s) {
        demote(s.reason());
        leaderLease.release();
        dropHold();
      } else if (decision instanceof FailoverDecision.Release) {
        leaderLease.release();
        dropHold();
      } else if (decision instanceof FailoverDecision.Follow) {
        dropHold();
      }
    } catch (EtcdException e) {
      log.accept("etcd failed while carrying out \"" + decision.reason() + "\": " + e.getMessage()
          + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
      return e instanceof EtcdException.Unavailable ? Optional.of(e.getMessage()) : Optional.empty();
    }
    return Optional.empty();
  }

  /** The renewal at the start of this loop stands when it went through; otherwise (the key is ours by name only, e.g. from before a restart) renew now. */
  private boolean renewUnlessRenewed(FailoverFacts facts) throws EtcdException {
    if (currentHold().isEmpty()) {
      return renew(facts);
    }
    if (facts.local().writable()) {
      client.put(status(), "{\"lsn\":" + facts.local().lsn() + "}", 0);
    }
    return true;
  }

  /** Renews the key; on a lost key a writable server is demoted at once. Returns whether we still hold it. */
  private boolean renew(FailoverFacts facts) throws EtcdException {
    Renewal r = leaderLease.renew(lease);
    if (r instanceof Renewal.Renewed renewed) {
      lease = renewed.lease();
      holdUntil(renewed.lease().sentNanos(), renewed.lease().ttlSeconds());
      if (facts.local().writable()) {
        client.put(status(), "{\"lsn\":" + facts.local().lsn() + "}", 0);
      }
      return true;
    }
    dropHold();
    if (facts.local().writable()) {
      demote("lost the leader key: " + ((Renewal.Lost) r).reason().text);
    }
    return false;
  }

  private boolean take() throws EtcdException {
    Acquire a = leaderLease.tryTake(lease);
    if (a instanceof Acquire.Taken taken) {
      holdUntil(taken.lease().sentNanos(), taken.lease().ttlSeconds());
      primary = Optional.of(self);
      return true;
    }
    primary = Optional.of(((Acquire.HeldBy) a).holder().value());
    return false;
  }

  private void promote(FailoverFacts facts) throws EtcdException {
    if (synchronous.filter(s -> s.method() == SynchronousSpec.Method.FIRST).isPresent()) {
      // our server has no synchronous_standby_names until a run renders it: nobody may be promotable on our commits
      List<String> key = facts.answered().flatMap(EtcdView.Answered::sync).orElse(List.of());
      if (!key.isEmpty()) {
        if (!writeSync(List.of(), key)) {
          log.accept("not promoting this loop: could not empty the sync key first");
          return;
        }
        keyThisTick = Optional.of(List.of());
      }
      chosen = Optional.empty();
    }
    if (synchronous.isPresent()) {
      // the list before the promotion, so no commit of the new primary is acknowledged without a standby:
      // any: the one it keeps; first: FIRST n over every eligible standby (the sync key is empty now, so
      // that list makes no one promotable; the leader's loop then chooses the exact list)
      String list = synchronous.get().standbyNames(self);
      try {
        server.listSynchronousStandbys(list);
      } catch (Exception e) {
        log.accept("not promoting this loop: could not give the local server synchronous_standby_names = " + list + " first: "
            + e.getMessage());
        return;
      }
      log.accept("synchronous_standby_names = " + list + " loaded before the promotion (ALTER SYSTEM; the first run as primary"
          + " writes its list to postgresql.conf and resets the override)");
    }
    log.accept("holding the leader key: promoting the local server");
    try {
      server.promote();
    } catch (Exception e) {
      log.accept("promotion failed: " + e.getMessage());
      return;
    }
    Renewal r = leaderLease.renew(lease);
    if (!(r instanceof Renewal.Renewed renewed)) {
      dropHold();
      demote("lost the leader key during promotion");
      return;
    }
    holdUntil(renewed.lease().sentNanos(), renewed.lease().ttlSeconds());
    promotedThisTick = true;
    Local now = server.observe();
    client.put(keys.history(), history(now.timeline()), 0);
    client.put(status(), "{\"lsn\":" + now.lsn() + "}", 0);
    facts.answered().flatMap(EtcdView.Answered::request).filter(q -> q.candidate().equals(self)).ifPresent(q -> {
      try {
        client.delete(keys.failover());
      } catch (EtcdException e) {
        log.accept("could not clear the carried-out request: " + e.getMessage());
      }
    });
  }

  /**
   * Method {@code first}, the leader's half ({@link SyncKeyStep} decides): read our walsenders and
   * loaded synchronous_standby_names, write the key when its members change (never when the
   * walsenders could not be read), then hand the new list to the runs only if the key as it now
   * stands is inside it. Not leading: no list.
   */
  private void maintainFirst(FailoverFacts facts) {
    Optional<List<String>> written = keyThisTick;
    boolean promoted = promotedThisTick;
    keyThisTick = Optional.empty();
    promotedThisTick = false;
    if (currentHold().isEmpty() || primary.filter(self::equals).isEmpty()) {
      chosen = Optional.empty();
      firstJoining = Map.of();
      return;
    }
    if (!(facts.etcd() instanceof EtcdView.Answered e)) {
      return; // the key cannot have changed (only we write it): the list stands
    }
    SynchronousSpec s = synchronous.get();
    boolean exists = written.isPresent() || e.sync().isPresent();
    List<String> key = written.orElse(e.sync().orElse(List.of()));
    Optional<ServerPort.Standbys> seen = facts.local().writable() || promoted ? server.standbys() : Optional.empty();
    Optional<SyncKeyStep.Observed> observed = seen.map(FailoverAgent::observed);
    SyncKeyStep.Change c = SyncKeyStep.decide(s, self, key, observed, chosen, firstJoining);
    firstJoining = c.joining();
    List<String> now = key;
    if (observed.isPresent() && (!exists || !c.key().equals(key)) && writeSync(c.key(), exists ? key : null)) {
      now = c.key();
    }
    if (c.handable(now, SyncKeyStep.standbys(s, self))) {
      if (!chosen.equals(Optional.of(c.choice()))) {
        log.accept(c.reason());
      }
      chosen = Optional.of(c.choice());
    }
  }

  private static SyncKeyStep.Observed observed(ServerPort.Standbys st) {
    Optional<SynchronousStandbys.Listed> listed = st.synchronousStandbyNames().flatMap(SynchronousStandbys::parse)
        .filter(l -> !l.method().equals("ANY"));
    return new SyncKeyStep.Observed(st.streaming().stream().map(w -> new SyncKeyStep.Walsender(w.name(), w.syncState(), w.flushLsn()))
        .toList(), st.walAfter(), listed.map(SynchronousStandbys.Listed::names), listed.map(SynchronousStandbys.Listed::number).orElse(0));
  }

  /**
   * Method {@code any}, the leader's half of {@code replication.synchronous} under etcd, in
   * Patroni's order. A standby joins the {@code sync} key only when its {@code sync_state} is
   * {@code quorum}, so it is already in synchronous_standby_names (which lists every eligible
   * peer), and only once its flush position has passed our WAL position read just after it was
   * first seen so: every commit acknowledged before it became synchronous is then on it too. A
   * standby that is no longer synchronous, no longer streams, or is no longer an eligible peer of
   * this desired state leaves the key at the next loop. Written only when the members change, by a
   * transaction that compares the leader key's value with our name; never when the walsenders
   * could not be read. (The promotion rule of {@code any} does not depend on the key.)
   */
  private void maintainQuorum(FailoverFacts facts) {
    if (synchronous.isEmpty() || currentHold().isEmpty() || !facts.local().writable()
        || !(facts.etcd() instanceof EtcdView.Answered e)) {
      published = null;
      joining.clear();
      return;
    }
    Optional<ServerPort.Standbys> seen = server.standbys();
    if (seen.isEmpty()) {
      return;
    }
    SynchronousSpec s = synchronous.get();
    String wanted = s.method() == SynchronousSpec.Method.FIRST ? "sync" : "quorum";
    Map<String, ServerPort.Standby> synchronousNow = new HashMap<>();
    seen.get().streaming().stream().filter(st -> st.syncState().equals(wanted) && s.eligible().contains(st.name()))
        .forEach(st -> synchronousNow.put(st.name(), st));
    joining.keySet().retainAll(synchronousNow.keySet());
    List<String> members = new ArrayList<>();
    for (String name : s.eligible()) {
      ServerPort.Standby st = synchronousNow.get(name);
      if (st == null) {
        continue;
      }
      boolean member = published != null && published.contains(name);
      long since = joining.computeIfAbsent(name, n -> member ? 0L : seen.get().walAfter());
      if (member || st.flushLsn() >= since) {
        members.add(name);
        joining.remove(name);
      }
    }
    List<String> current = published != null ? published : e.sync().orElse(null);
    if (members.equals(current)) {
      published = members;
      return;
    }
    if (writeSync(members, current)) {
      published = members;
    } else {
      published = null;
    }
  }

  /**
   * Writes the sync key {@code {"leader": self, "members": [...]}} by a transaction that compares
   * the leader key's value with our name; true when it was written. {@code was}: the members it
   * replaces, for the log (null: no key).
   */
  private boolean writeSync(List<String> members, List<String> was) {
    ObjectNode value = JSON.createObjectNode().put("leader", self);
    ArrayNode names = value.putArray("members");
    members.forEach(names::add);
    try {
      boolean written = client.txn(new Txn(List.of(new Txn.Compare.Value(keys.leader(), self)),
          List.of(new Txn.Op.Put(keys.sync(), value.toString(), 0)), List.of())).succeeded();
      if (written) {
        log.accept("sync key: " + (members.isEmpty() ? "no standby" : String.join(", ", members)) + " synchronous now (was "
            + (was == null ? "no key" : was.isEmpty() ? "none" : String.join(", ", was)) + ")");
      } else {
        log.accept("the sync key was not written: the leader key is no longer ours");
      }
      return written;
    } catch (EtcdException ex) {
      log.accept("could not write the sync key: " + ex.getMessage());
      return false;
    }
  }

  private String history(long timeline) {
    return JSON.createObjectNode().put("timeline", timeline).put("primary", self).toString();
  }

  private void demote(String why) {
    dropHold();
    log.accept("demoting: " + why);
    server.demote();
  }

  private void publish(Local local) {
    if (lease == null) {
      return;
    }
    String role = !local.running() ? "stopped" : local.writable() ? "primary" : "replica";
    String value = JSON.createObjectNode().put("role", role).put("timeline", local.timeline()).put("lsn", local.lsn()).toString();
    try {
      leaderLease.touchMember(value, lease);
    } catch (EtcdException e) {
      log.accept("could not publish the member key: " + e.getMessage());
    }
  }

  /**
   * A clean daemon stop, as Patroni's: unless the cluster is paused, the leader stops its server
   * (fast, then immediate, bounded) and then deletes the leader key so that a replica takes over
   * at once; then the lease is revoked (our member key goes). Paused: nothing is stopped, the
   * lease is left to run out. Returns whether the server was stopped.
   */
  public boolean stop() {
    boolean paused;
    try {
      paused = client.get(keys.pause()).isPresent();
    } catch (EtcdException e) {
      paused = false;
      log.accept("cannot read the pause key (" + e.getMessage() + "): stopping as when not paused");
    }
    if (paused) {
      log.accept("paused (maintenance): the daemon stops, the server keeps running and the leader key stays until the lease ends");
      return false;
    }
    boolean leader = currentHold().isPresent() || primary.filter(self::equals).isPresent();
    if (leader) {
      log.accept("stopping as the leader: stopping the server, then letting the leader key go so a replica takes over");
      dropHold();
      server.demote();
      try {
        leaderLease.release();
      } catch (EtcdException e) {
        log.accept("could not delete the leader key (it ends with our lease): " + e.getMessage());
      }
    }
    close();
    return leader;
  }

  /** Revokes our lease (the member key and, if ours, the leader key go at once), for a clean daemon stop. */
  public void close() {
    if (lease != null) {
      try {
        leaderLease.revoke(lease);
      } catch (EtcdException e) {
        log.accept("could not revoke the lease: " + e.getMessage());
      }
    }
  }
}
