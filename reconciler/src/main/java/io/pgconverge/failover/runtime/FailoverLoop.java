package io.pgconverge.failover.runtime;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdException;
import io.pgconverge.etcd.EtcdSettings;
import io.pgconverge.etcd.Watch;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.failover.FailoverDecision;
import io.pgconverge.failover.SyncKeyStep;
import io.pgconverge.host.Commands;
import io.pgconverge.loop.RoleSource;
import io.pgconverge.plan.SynchronousStandbys;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's failover loop under {@code failover.mode: etcd}: one thread ticks the {@link
 * FailoverAgent} every {@code loop_wait}, and at once when {@link #wake} is called (the
 * postmaster died, a new file was pushed); a second thread runs {@link
 * FailoverAgent#checkDeadline} every 100 ms. A decision is logged at INFO unless it repeats a
 * plain renew, follow or wait. When the leader seen changes, or the agent took, promoted,
 * demoted or let go, a reconcile run is pushed at once, so followers follow and a former primary
 * rejoins; so is one when the history key names a higher timeline than before (the new leader's
 * promotion is done: the run pushed when the key changed hands may have found it still in recovery,
 * and a replica that cannot follow its new timeline is only found so by a run after it); so is one
 * when, with nobody holding the key, the initialize or pause key is seen to
 * come or go (the first tick of a cluster whose servers all went down: its run starts the stopped
 * server read-only). Every etcd request is bounded by {@code retry_timeout} (the client's deadline).
 * A third thread watches the leader key (as Patroni's etcd3 store does) and wakes the loop when
 * it changes: a key that ran out or was let go is seen at once, not up to {@code loop_wait}
 * later, and so is a new holder. A broken watch is opened again a second later.
 */
public final class FailoverLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("pgconverge");

  /**
   * What a run needs to know: who holds the leader key (empty: nobody, or not known yet), whether
   * we do now, whether etcd's last answer held the {@code initialize} key (the cluster exists) and
   * the {@code pause} key, and (method {@code first}, as the leader) the standbys
   * synchronous_standby_names must name.
   */
  public record View(Optional<String> leader, boolean holdsLeaderKey, boolean initialized, boolean paused,
      Optional<SyncKeyStep.Choice> synchronous) {
    /** Nothing known of the initialize and pause keys, no synchronous choice. */
    public View(Optional<String> leader, boolean holdsLeaderKey) {
      this(leader, holdsLeaderKey, false, false, Optional.empty());
    }
  }

  /**
   * The roles of a run under {@code view} ({@link RoleSource#fromLeader}); with method {@code
   * first} on the primary, its synchronous_standby_names is the list the loop chose, and with no
   * list chosen yet the run enforces nothing (a list of every eligible standby would let
   * PostgreSQL make one synchronous that the {@code sync} key does not name). Pure.
   */
  public static RoleSource.Roles roles(DesiredState file, View view) {
    RoleSource.Roles roles = RoleSource.fromLeader(file, view.leader(), view.holdsLeaderKey(), view.initialized(), view.paused());
    boolean first = file.replication().flatMap(ReplicationSpec::synchronous).filter(s -> s.method() == SynchronousSpec.Method.FIRST)
        .isPresent();
    if (!first || roles.effective().isEmpty() || !roles.effective().get().primary().name().equals(file.self())) {
      return roles;
    }
    if (view.synchronous().isEmpty()) {
      return new RoleSource.Roles(Optional.empty(), true, roles.holdsLeaderKey(), "failover.mode etcd with replication.synchronous"
          + " first: the failover loop has not chosen the synchronous standbys yet; roles are enforced once it has");
    }
    SyncKeyStep.Choice c = view.synchronous().get();
    return new RoleSource.Roles(roles.effective().map(d -> SynchronousStandbys.withChosen(d, c.standbys(), c.degraded())),
        roles.etcdRoles(), roles.holdsLeaderKey(), roles.reason());
  }

  private final Object identity;
  private final FailoverAgent agent;
  private final LocalServerPort port;
  private final Consumer<String> pushRun;
  private final Duration loopWait;
  private final ScheduledExecutorService deadline;
  private final Thread ticker;
  private final Thread watcher;
  private final Object wakeLock = new Object();
  private boolean wakeRequested;
  private volatile boolean closing;
  private volatile boolean ticked;
  private Optional<String> lastLeader = Optional.empty();
  private Optional<SyncKeyStep.Choice> lastChoice = Optional.empty();
  /** The initialize and pause keys as the last tick saw them: a change while nobody holds the key changes what a run does. */
  private List<Boolean> lastKeys = List.of(false, false);
  /** The highest timeline the history key named at a tick (0: none seen yet). */
  private long lastTimeline;
  private String lastLine = "";

  private FailoverLoop(DesiredState desired, FailoverAgent agent, LocalServerPort port, Consumer<String> pushRun,
      EtcdClient client, ClusterKeys keys) {
    this.identity = identity(desired);
    this.agent = agent;
    this.port = port;
    this.pushRun = pushRun;
    this.loopWait = desired.failover().loopWait();
    this.deadline = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pgconverge-failover-deadline");
      t.setDaemon(true);
      return t;
    });
    this.ticker = new Thread(this::loop, "pgconverge-failover");
    ticker.setDaemon(true);
    this.watcher = new Thread(() -> watchLeader(client, keys.leader()), "pgconverge-failover-watch");
    watcher.setDaemon(true);
  }

  /**
   * Starts the loop of {@code desired} (whose failover mode is etcd): its etcd client (bounded
   * by retry_timeout), the agent, both threads. {@code pushRun} starts a reconcile run.
   */
  public static FailoverLoop start(DesiredState desired, Commands commands, Consumer<String> pushRun) throws IOException {
    FailoverSpec spec = desired.failover();
    EtcdClient client = EtcdClient.open(settings(spec));
    ClusterKeys keys = new ClusterKeys(spec.etcd().orElseThrow().namespace(), desired.cluster());
    Consumer<String> log = line -> LOG.info("failover: {}", line);
    LocalServerPort port = new LocalServerPort(desired, commands, spec.retryTimeout(), log);
    FailoverAgent agent = new FailoverAgent(spec, desired.replication().flatMap(r -> r.synchronous()), client, keys, desired.self(),
        desired.primary().name(), port, log);
    FailoverLoop loop = new FailoverLoop(desired, agent, port, pushRun, client, keys);
    loop.ticker.start();
    loop.watcher.start();
    loop.deadline.scheduleWithFixedDelay(loop::checkDeadline, 100, 100, TimeUnit.MILLISECONDS);
    LOG.info("failover: mode etcd, {} endpoint(s), keys under {}, ttl {} s, loop_wait {} s, retry_timeout {} s",
        spec.etcd().get().endpoints().size(), keys.prefix(), spec.ttl().toSeconds(), spec.loopWait().toSeconds(),
        spec.retryTimeout().toSeconds());
    return loop;
  }

  /** The etcd client's settings of a failover section: its endpoints, TLS and user, each request bounded by retry_timeout. */
  static EtcdSettings settings(FailoverSpec spec) {
    FailoverSpec.Etcd e = spec.etcd().orElseThrow(() -> new IllegalArgumentException("failover.mode etcd without failover.etcd"));
    Optional<EtcdSettings.Tls> tls = e.caFile().map(ca -> new EtcdSettings.Tls(ca, e.certFile(), e.keyFile()));
    Optional<EtcdSettings.Auth> auth = e.user().flatMap(u -> e.passwordFile().map(f -> new EtcdSettings.Auth(u, f)));
    return new EtcdSettings(e.endpoints(), spec.retryTimeout(), tls, auth);
  }

  /**
   * What a loop depends on in a desired state: a new file that changes any of it rebuilds the
   * loop (the failover section, the cluster, who we are, the peers and how to reach them, our
   * server); anything else (settings, hba, and the peers' roles: under etcd the file's {@code role:
   * primary} is only the preferred primary, whose change is a switchover request, never a reason
   * to let the key go) does not.
   */
  public static Object identity(DesiredState d) {
    List<String> peers = d.peers().stream().map(p -> p.name() + "@" + p.host() + ":" + p.port()).toList();
    return List.of(d.failover(), d.cluster(), d.self(), peers, Objects.toString(d.replication().orElse(null)),
        d.postgres().data(), d.postgres().socketDirectory(), Objects.toString(d.postgres().bin().orElse(null)),
        Objects.toString(d.postgres().ssl().orElse(null)));
  }

  /** True when this loop was built for {@code d}'s failover section, peers and server. */
  public boolean servesFor(DesiredState d) {
    return identity.equals(identity(d));
  }

  /** Who holds the leader key as of the last tick, and whether we hold it now; nobody before the first tick. */
  public View view() {
    return ticked ? new View(agent.primary(), agent.holdsKeyNow(), agent.initialized(), agent.paused(), agent.synchronousChoice())
        : new View(Optional.empty(), false);
  }

  /** Ticks as soon as the current tick (if any) is over. */
  public void wake() {
    synchronized (wakeLock) {
      wakeRequested = true;
      wakeLock.notifyAll();
    }
  }

  private void loop() {
    while (!closing) {
      tickOnce();
      synchronized (wakeLock) {
        long end = System.nanoTime() + loopWait.toNanos();
        while (!wakeRequested && !closing) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            break;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(wakeLock, left);
          } catch (InterruptedException e) {
            if (closing) {
              return;
            }
          }
        }
        wakeRequested = false;
      }
    }
  }

  private void tickOnce() {
    FailoverDecision d;
    try {
      d = agent.tick();
    } catch (RuntimeException e) {
      LOG.warn("failover: the loop failed: {}", e.toString(), e);
      return;
    }
    ticked = true;
    String kind = d.getClass().getSimpleName();
    String line = kind + ": " + d.reason();
    if (!plain(d) || !withoutNumbers(line).equals(withoutNumbers(lastLine))) {
      LOG.info("failover: {}", line);
    } else {
      LOG.debug("failover: {}", line);
    }
    lastLine = line;
    Optional<String> leader = agent.primary();
    if (closing) {
      return;
    }
    Optional<SyncKeyStep.Choice> choice = agent.synchronousChoice();
    boolean choiceChanged = !choice.equals(lastChoice);
    lastChoice = choice;
    List<Boolean> keys = List.of(agent.initialized(), agent.paused());
    long timeline = agent.historyTimeline();
    Optional<String> push = runToPush(d, leader, lastLeader, timeline, lastTimeline, choiceChanged ? choice : Optional.empty(),
        keys, lastKeys);
    lastTimeline = Math.max(lastTimeline, timeline);
    if (!leader.equals(lastLeader) || leader.isEmpty()) {
      lastKeys = keys;
    }
    lastLeader = leader;
    push.ifPresent(pushRun);
  }

  /**
   * Why a tick that decided {@code d} starts a reconcile run, if it does; pure. In this order: the
   * leader seen changed; the history key names a higher timeline than at the last tick (not at the
   * first: {@code lastTimeline} 0), so the new leader's promotion is done — the run pushed when the
   * key changed hands may have found it still in recovery, and a replica that cannot follow its new
   * timeline is found so only by a run after it; the synchronous standbys chosen changed ({@code
   * newChoice}); with nobody holding the key, the initialize or pause key came or went; the agent
   * acted (anything but a plain renew, follow, wait or failsafe).
   */
  static Optional<String> runToPush(FailoverDecision d, Optional<String> leader, Optional<String> lastLeader, long timeline,
      long lastTimeline, Optional<SyncKeyStep.Choice> newChoice, List<Boolean> keys, List<Boolean> lastKeys) {
    if (!leader.equals(lastLeader)) {
      return Optional.of("leader changed: " + leader.orElse("nobody"));
    }
    if (lastTimeline > 0 && timeline > lastTimeline) {
      return Optional.of("the leader is primary on timeline " + timeline);
    }
    if (newChoice.isPresent()) {
      return Optional.of("synchronous standbys chosen: " + (newChoice.get().degraded() ? "none (asynchronous)"
          : String.join(", ", newChoice.get().standbys())));
    }
    if (leader.isEmpty() && !keys.equals(lastKeys)) {
      return Optional.of("nobody holds the leader key; initialized " + keys.get(0) + ", paused " + keys.get(1));
    }
    if (!plain(d) && !(d instanceof FailoverDecision.Failsafe)) {
      return Optional.of("failover: " + d.getClass().getSimpleName());
    }
    return Optional.empty();
  }

  /** A renew, follow or wait: the agent changed nothing. */
  private static boolean plain(FailoverDecision d) {
    return d instanceof FailoverDecision.Renew || d instanceof FailoverDecision.Follow || d instanceof FailoverDecision.Wait;
  }

  /** Wakes the loop on every change of the leader key, for as long as the loop runs; each watch is bounded, a broken one opened again after a second. */
  private void watchLeader(EtcdClient client, String leaderKey) {
    while (!closing) {
      try (Watch w = client.watch(leaderKey, false, 0)) {
        while (!closing) {
          Optional<Watch.Event> e = w.poll(Duration.ofSeconds(1));
          if (e.isPresent()) {
            LOG.debug("failover: the leader key changed ({}): ticking now", e.get().type());
            wake();
          }
        }
      } catch (EtcdException | RuntimeException e) {
        if (closing) {
          return;
        }
        LOG.debug("failover: the watch of the leader key broke ({}); opened again in 1 s", e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException stop) {
          return;
        }
      }
    }
  }

  /** A line with its numbers blanked: two waits that differ only in the milliseconds left are one repeat. */
  static String withoutNumbers(String line) {
    return line.replaceAll("[0-9]+", "#");
  }

  private void checkDeadline() {
    try {
      if (agent.checkDeadline()) {
        pushRun.accept("failover: leader lease deadline passed");
      }
    } catch (RuntimeException e) {
      LOG.warn("failover: the deadline check failed: {}", e.toString(), e);
    }
  }

  /** Ends both threads (bounded) without touching the server or etcd: the loop of a replaced or dropped failover section. */
  private void halt() {
    closing = true;
    wake();
    ticker.interrupt();
    watcher.interrupt();
    try {
      ticker.join(loopWait.plus(Duration.ofSeconds(30)).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deadline.shutdownNow();
  }

  /** Back to failover.mode file: the threads end and the lease is revoked (our keys go); the server is left as it is. */
  @Override
  public void close() {
    halt();
    agent.close();
    port.close();
  }

  /**
   * Replaced by a loop for a changed failover section, peer list or server: the threads end, the
   * lease is left to run out and the server as it is. The next loop's agent renews a key that
   * names us onto its own lease (under the compare on its value) or, unable to, demotes a
   * writable server; revoking here would free the key while our server is still writable.
   */
  public void handOver() {
    halt();
    port.close();
  }

  /**
   * The daemon stops (SIGTERM): the threads end, then the agent stops as Patroni does (the
   * leader stops its server and lets the key go; a replica revokes its lease; paused: nothing
   * stopped). Returns whether the server was stopped.
   */
  public boolean stopDaemon() {
    halt();
    boolean stopped = agent.stop();
    port.close();
    return stopped;
  }
}
