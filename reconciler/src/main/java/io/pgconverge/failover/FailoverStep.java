package io.pgconverge.failover;

import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.failover.FailoverDecision.Bootstrap;
import io.pgconverge.failover.FailoverDecision.Demote;
import io.pgconverge.failover.FailoverDecision.Failsafe;
import io.pgconverge.failover.FailoverDecision.Follow;
import io.pgconverge.failover.FailoverDecision.Promote;
import io.pgconverge.failover.FailoverDecision.Release;
import io.pgconverge.failover.FailoverDecision.Renew;
import io.pgconverge.failover.FailoverDecision.StepDown;
import io.pgconverge.failover.FailoverDecision.TakeAsPrimary;
import io.pgconverge.failover.FailoverDecision.TakeThenPromote;
import io.pgconverge.failover.FailoverDecision.Wait;
import io.pgconverge.failover.FailoverFacts.EtcdView;
import io.pgconverge.failover.FailoverFacts.History;
import io.pgconverge.failover.FailoverFacts.Local;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import io.pgconverge.failover.FailoverFacts.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What this host does about the leader key this loop: a pure function of the failover spec and
 * {@link FailoverFacts}, in the manner of Patroni's {@code ha.py}. No I/O, no clock.
 *
 * <ol>
 *   <li><b>etcd unavailable</b>, or the member that answered is stale (its raft term is below one
 *       already seen: a partitioned member answering from the past): nothing is taken or
 *       promoted. A writable server stays writable only while our last renewal's deadline has not
 *       passed, or, with {@code failsafe}, while every polled peer answers, is a replica and
 *       streams from us; otherwise it is demoted.
 *   <li><b>Paused</b>: the leader renews, everyone else waits; nothing is promoted or demoted.
 *   <li><b>We hold the key</b>: a switchover or failover request naming a healthy candidate makes
 *       us step down; otherwise renew (writable), promote (still in recovery, not lagging), or let
 *       the lease run out (server down: the key stays ours only if the server is writable again
 *       before the deadline).
 *   <li><b>Another member holds it</b>: demote at once if we are writable (a stale primary, a
 *       key lost during promotion), else follow it.
 *   <li><b>Nobody holds it, no initialize key</b>: the preferred primary bootstraps; the others wait.
 *   <li><b>Nobody holds it and we are writable</b>: take it back only as the primary that the
 *       history names on our timeline; a former primary behind the history (frozen, woken up)
 *       demotes.
 *   <li><b>Nobody holds it and we are a replica</b>: take the key (then promote) only if we are a
 *       candidate (priority above 0, running, on the history's timeline, within {@code
 *       maximum_lag} of the last primary position), no polled peer is writable and none is
 *       healthier (further ahead, or as far and of higher priority); a pending request for another
 *       candidate makes us wait. Two equal candidates both try: the transaction lets exactly one win.
 *       With {@code replication.synchronous} the candidate must also prove it holds every
 *       acknowledged commit: {@code first}: it is listed in the {@code sync} key (and only listed
 *       peers count as healthier); {@code any} (quorum of {@code n} among the {@code N} standbys
 *       the last primary listed): it hears from at least {@code N - n + 1} of them, itself
 *       included, and none of them is further ahead. Any such set meets every quorum of {@code n},
 *       so the furthest of it holds every commit a quorum confirmed. A failover request for us
 *       with {@code allow_data_loss} is the only way past this.
 * </ol>
 */
public final class FailoverStep {
  private FailoverStep() {}

  /** The decision without {@code replication.synchronous} (asynchronous replication). */
  public static FailoverDecision decide(FailoverSpec spec, FailoverFacts f) {
    return decide(spec, Optional.empty(), f);
  }

  /** The decision; {@code synchronous} is the desired state's {@code replication.synchronous}, if declared. */
  public static FailoverDecision decide(FailoverSpec spec, Optional<SynchronousSpec> synchronous, FailoverFacts f) {
    if (f.etcd() instanceof EtcdView.Unavailable u) {
      return withoutEtcd(spec, f, "etcd is unavailable (" + u.reason() + ")");
    }
    EtcdView.Answered e = (EtcdView.Answered) f.etcd();
    if (e.raftTerm() < e.highestRaftTermSeen()) {
      return withoutEtcd(spec, f, "the etcd member that answered is stale (raft term " + e.raftTerm()
          + ", already seen " + e.highestRaftTermSeen() + ")");
    }
    Local local = f.local();
    Optional<String> leader = e.leader();
    if (e.paused()) {
      return leader.filter(f.self()::equals).isPresent()
          ? new Renew("paused (maintenance): the leader only renews its key")
          : new Wait("paused (maintenance): nothing is promoted or demoted" + leader.map(l -> "; " + l + " holds the leader key").orElse(""));
    }
    if (leader.filter(f.self()::equals).isPresent()) {
      return asLeader(spec, f, e);
    }
    if (leader.isPresent()) {
      return local.writable()
          ? new Demote(leader.get() + " holds the leader key and our server is writable: stopping it so there is one writer")
          : new Follow(leader.get(), leader.get() + " holds the leader key");
    }
    if (e.initializedBy().isEmpty()) {
      return f.self().equals(f.preferredPrimary())
          ? new Bootstrap("the cluster is not initialized in etcd and this is the preferred primary (role: primary in the file)")
          : new Wait("the cluster is not initialized in etcd: waiting for the preferred primary " + f.preferredPrimary() + " to bootstrap it");
    }
    return local.writable() ? writableWithoutLeader(f, e) : candidate(spec, synchronous, f, e);
  }

  private static FailoverDecision withoutEtcd(FailoverSpec spec, FailoverFacts f, String why) {
    if (!f.local().writable()) {
      return new Wait(why + ": nothing is promoted");
    }
    if (spec.failsafe() && everyPeerConfirms(f)) {
      return new Failsafe(why + "; failsafe: every peer (" + f.peers().size() + ") answered and streams from us, so we stay primary");
    }
    String failsafe = spec.failsafe() ? " (failsafe: " + unconfirmed(f) + ")" : "";
    if (f.hold().isPresent() && f.nowNanos() < f.hold().get().deadlineNanos()) {
      long ms = (f.hold().get().deadlineNanos() - f.nowNanos()) / 1_000_000;
      return new Wait(why + "; the leader key is surely ours for another " + ms + " ms: staying primary until then" + failsafe);
    }
    return new Demote(why + (f.hold().isPresent() ? " and our lease's deadline has passed" : " and we hold no lease")
        + ": demoting rather than risk a second writer" + failsafe);
  }

  private static boolean everyPeerConfirms(FailoverFacts f) {
    return f.peers().stream().allMatch(p -> p.answered() && !p.writable() && p.upstream().filter(f.self()::equals).isPresent());
  }

  private static String unconfirmed(FailoverFacts f) {
    return f.peers().stream()
        .filter(p -> !(p.answered() && !p.writable() && p.upstream().filter(f.self()::equals).isPresent()))
        .map(p -> p.name() + (!p.answered() ? " does not answer" : p.writable() ? " is writable" : " does not stream from us"))
        .findFirst().orElse("");
  }

  private static FailoverDecision asLeader(FailoverSpec spec, FailoverFacts f, EtcdView.Answered e) {
    Local local = f.local();
    Optional<Request> request = e.request().filter(r -> !r.candidate().equals(f.self()))
        .filter(r -> r.from().isEmpty() || r.from().get().equals(f.self()));
    String refused = "";
    if (request.isPresent() && local.writable()) {
      String candidate = request.get().candidate();
      Optional<String> unhealthy = unhealthy(spec, f, candidate, local.lsn(), local.timeline());
      if (unhealthy.isEmpty()) {
        return new StepDown(candidate, request.get().kind().name().toLowerCase() + " to " + candidate + " requested: stepping down");
      }
      refused = "; the " + request.get().kind().name().toLowerCase() + " to " + candidate + " waits: " + unhealthy.get();
    }
    if (local.writable()) {
      return new Renew("we hold the leader key and our server is writable" + refused);
    }
    if (!local.running()) {
      return new Wait("we hold the leader key but our server does not run: the daemon starts it again; the key stays ours"
          + " only if the server is writable again within ttl - retry_timeout");
    }
    Optional<String> behind = behind(spec, f, e);
    return behind.isPresent()
        ? new Release("we hold the leader key but our server is a replica that " + behind.get() + ": letting the key go")
        : new Promote("we hold the leader key and our server is still in recovery: promoting it");
  }

  private static FailoverDecision writableWithoutLeader(FailoverFacts f, EtcdView.Answered e) {
    Local local = f.local();
    Optional<History> history = e.history();
    if (history.isPresent() && history.get().timeline() > local.timeline()) {
      return new Demote("nobody holds the leader key, but the history says " + history.get().primary() + " became primary on timeline "
          + history.get().timeline() + " and our writable server is on timeline " + local.timeline() + " (a former primary that was frozen)");
    }
    String lastPrimary = history.map(History::primary).orElse(e.initializedBy().get());
    if (!lastPrimary.equals(f.self())) {
      return new Demote("nobody holds the leader key, and the last primary on record is " + lastPrimary + ", not us: demoting");
    }
    return new TakeAsPrimary("nobody holds the leader key and we are the primary of timeline " + local.timeline() + ": taking it back");
  }

  private static FailoverDecision candidate(FailoverSpec spec, Optional<SynchronousSpec> synchronous, FailoverFacts f,
      EtcdView.Answered e) {
    Local local = f.local();
    Optional<Request> request = e.request();
    boolean chosen = request.filter(r -> r.candidate().equals(f.self())).isPresent();
    if (request.isPresent() && !chosen) {
      String candidate = request.get().candidate();
      boolean answers = f.peers().stream().anyMatch(p -> p.name().equals(candidate) && p.answered());
      if (answers) {
        return new Wait("nobody holds the leader key; a " + request.get().kind().name().toLowerCase() + " to " + candidate + " is pending");
      }
    }
    if (spec.priority(f.self()) == 0) {
      return new Wait("nobody holds the leader key; failover_priority 0: this host is never promoted");
    }
    if (!local.running()) {
      return new Wait("nobody holds the leader key; our server does not run, so it is no candidate until the daemon's run has"
          + " started it read-only");
    }
    Optional<String> behind = behind(spec, f, e);
    if (behind.isPresent()) {
      return new Wait("nobody holds the leader key; our server " + behind.get() + ", so it is no candidate");
    }
    for (PeerPoll p : f.peers()) {
      if (p.answered() && p.writable()) {
        return new Wait("nobody holds the leader key, but " + p.name() + " is writable: promoting now would make two writers");
      }
    }
    boolean dataLossAllowed = request.filter(r -> chosen && r.allowDataLoss()).isPresent();
    if (synchronous.isPresent() && !dataLossAllowed) {
      Optional<String> unproven = unproven(synchronous.get(), f, e);
      if (unproven.isPresent()) {
        return new Wait("nobody holds the leader key; " + unproven.get() + ", so we are not promoted automatically (replication.synchronous "
            + synchronous.get().method().yamlName() + " " + synchronous.get().number() + "; only `pgconverge failover --to " + f.self()
            + " --allow-data-loss` promotes us)");
      }
    }
    boolean first = synchronous.filter(s -> s.method() == SynchronousSpec.Method.FIRST).isPresent() && !dataLossAllowed;
    if (!chosen) {
      for (PeerPoll p : f.peers()) {
        if (first && !e.sync().orElse(List.of()).contains(p.name())) {
          continue;
        }
        if (p.answered() && p.priority() > 0 && p.timeline() >= local.timeline()
            && (p.lsn() > local.lsn() || (p.lsn() == local.lsn() && p.priority() > spec.priority(f.self())))) {
          return new Wait("nobody holds the leader key; " + p.name() + " is healthier (WAL " + p.lsn() + " priority " + p.priority()
              + " against our " + local.lsn() + " priority " + spec.priority(f.self()) + ")");
        }
      }
    }
    return new TakeThenPromote("nobody holds the leader key and we are " + (chosen ? "the requested candidate" : "the healthiest candidate")
        + " (timeline " + local.timeline() + ", WAL " + local.lsn() + "): taking the key, then promoting");
  }

  /**
   * Why our replica cannot prove it holds every commit the primary acknowledged under {@code
   * synchronous}; empty when it can.
   */
  private static Optional<String> unproven(SynchronousSpec s, FailoverFacts f, EtcdView.Answered e) {
    if (s.method() == SynchronousSpec.Method.FIRST) {
      if (e.sync().isEmpty()) {
        return Optional.of("there is no sync key, so no standby is known to be synchronous");
      }
      return e.sync().get().contains(f.self()) ? Optional.empty()
          : Optional.of("we are not in the sync key (" + (e.sync().get().isEmpty() ? "empty" : String.join(", ", e.sync().get()))
              + "): only a synchronous standby surely holds every acknowledged commit");
    }
    String lastPrimary = e.history().map(History::primary).orElse(e.initializedBy().orElse(""));
    List<String> listed = s.eligible().stream().filter(n -> !n.equals(lastPrimary)).toList();
    int needed = listed.size() - s.number() + 1;
    List<String> heard = new ArrayList<>();
    if (listed.contains(f.self())) {
      heard.add(f.self());
    }
    for (PeerPoll p : f.peers()) {
      if (p.answered() && listed.contains(p.name())) {
        if (p.lsn() > f.local().lsn()) {
          return Optional.of(p.name() + " is further ahead (WAL " + p.lsn() + " against our " + f.local().lsn()
              + "): only the furthest of a quorum surely holds every acknowledged commit");
        }
        heard.add(p.name());
      }
    }
    return heard.size() >= needed ? Optional.empty()
        : Optional.of("we hear from " + heard.size() + " of the " + listed.size() + " standbys " + lastPrimary + " listed ("
            + String.join(", ", heard) + "), fewer than the " + needed + " (N - number + 1) that surely include one holding every"
            + " acknowledged commit");
  }

  /** Why our replica may not be promoted for its timeline or its lag; empty when it may. */
  private static Optional<String> behind(FailoverSpec spec, FailoverFacts f, EtcdView.Answered e) {
    Local local = f.local();
    if (e.history().isPresent() && local.timeline() < e.history().get().timeline()) {
      return Optional.of("is on timeline " + local.timeline() + ", behind the history's timeline " + e.history().get().timeline());
    }
    if (e.lastPrimaryLsn().isPresent() && e.lastPrimaryLsn().getAsLong() - local.lsn() > spec.maximumLagBytes()) {
      return Optional.of("is " + (e.lastPrimaryLsn().getAsLong() - local.lsn()) + " bytes behind the last primary position, more than"
          + " maximum_lag (" + spec.maximumLagBytes() + ")");
    }
    return Optional.empty();
  }

  /** Why {@code candidate} may not take over from a primary at {@code lsn} on {@code timeline}; empty when it may. */
  private static Optional<String> unhealthy(FailoverSpec spec, FailoverFacts f, String candidate, long lsn, long timeline) {
    Optional<PeerPoll> poll = f.peers().stream().filter(p -> p.name().equals(candidate)).findFirst();
    if (poll.isEmpty()) {
      return Optional.of(candidate + " is not a peer");
    }
    PeerPoll p = poll.get();
    if (spec.priority(candidate) == 0) {
      return Optional.of(candidate + " has failover_priority 0");
    }
    if (!p.answered()) {
      return Optional.of(candidate + " does not answer");
    }
    if (p.writable()) {
      return Optional.of(candidate + " is writable");
    }
    if (p.timeline() != timeline) {
      return Optional.of(candidate + " is on timeline " + p.timeline() + ", we are on " + timeline);
    }
    if (lsn - p.lsn() > spec.maximumLagBytes()) {
      return Optional.of(candidate + " is " + (lsn - p.lsn()) + " bytes behind, more than maximum_lag (" + spec.maximumLagBytes() + ")");
    }
    return Optional.empty();
  }
}
