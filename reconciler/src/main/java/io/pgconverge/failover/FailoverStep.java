package io.pgconverge.failover;

import io.pgconverge.desired.FailoverSpec;
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
 * </ol>
 */
public final class FailoverStep {
  private FailoverStep() {}

  public static FailoverDecision decide(FailoverSpec spec, FailoverFacts f) {
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
    return local.writable() ? writableWithoutLeader(f, e) : candidate(spec, f, e);
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
      return new Wait("we hold the leader key but our server does not run: the key is not renewed, it stays ours only if the"
          + " server is writable again before the lease ends");
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

  private static FailoverDecision candidate(FailoverSpec spec, FailoverFacts f, EtcdView.Answered e) {
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
      return new Wait("nobody holds the leader key; our server does not run, so it is no candidate");
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
    if (!chosen) {
      for (PeerPoll p : f.peers()) {
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
