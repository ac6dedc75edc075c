package io.pgconverge.failover;

import io.pgconverge.desired.FailoverSpec;
import io.pgconverge.failover.FailoverFacts.Member;
import io.pgconverge.failover.FailoverFacts.Request;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an operator's request to the cluster is allowed to do, as pure functions of the desired
 * state's failover spec and one read of the cluster's etcd keys ({@link ClusterState}). No I/O;
 * {@code failover/control/ClusterControl} reads the keys, asks these functions and writes.
 *
 * <ol>
 *   <li><b>Switchover</b> (the leader steps down for a candidate): refused while paused (nothing
 *       would be carried out), when nobody holds the leader key (that is a failover), when {@code
 *       --from} is not the leader, when the candidate is the leader, is not a peer of the desired
 *       state, has {@code failover_priority} 0, has no member key (its daemon is not in the
 *       cluster) or its member key says its server does not run.
 *   <li><b>Failover</b> (no healthy primary: the candidate takes the free key): refused while
 *       paused, while a member holds the leader key (that is a switchover), before the cluster is
 *       initialized in etcd, for the same candidate reasons, and, under {@code
 *       replication.synchronous} with a {@code sync} key, for a candidate not listed in it unless
 *       data loss is allowed.
 *   <li><b>The preferred primary</b> (the file's {@code role: primary}) against etcd's {@code
 *       config} key: no key yet: create it at generation 0, fire nothing (the bootstrap); the same
 *       name: nothing (a re-push fires nothing); another name: generation + 1 and, unless the
 *       new preferred primary already holds the leader key or can never be promoted, a switchover
 *       request to it carrying that generation.
 * </ol>
 */
public final class ClusterRequests {
  private ClusterRequests() {}

  /**
   * One read of a cluster's keys, as the control commands see them.
   *
   * @param leader the member named in the leader key
   * @param members each member key, by member name
   * @param pause the pause key's value (who paused, when), when the cluster is paused
   * @param request the pending switchover or failover
   * @param config the preferred primary and its generation, when the config key exists
   * @param sync the standbys the sync key lists as synchronous now ({@code {"members": [...]}}), when it exists
   * @param initialized the initialize key exists (the cluster was bootstrapped)
   */
  public record ClusterState(
      Optional<String> leader,
      Map<String, Member> members,
      Optional<String> pause,
      Optional<Pending> request,
      Optional<Preferred> config,
      Optional<List<String>> sync,
      boolean initialized) {
    public ClusterState {
      members = Map.copyOf(members);
      sync = sync.map(List::copyOf);
    }

    public boolean paused() {
      return pause.isPresent();
    }
  }

  /** A pending request as the failover key holds it; {@code allowDataLoss} is what {@code failover --allow-data-loss} adds. */
  public record Pending(Request request, boolean allowDataLoss) {}

  /** The config key: the preferred primary last seen in a pushed file, and how many times it changed. */
  public record Preferred(String preferred, long generation) {}

  /** Why a switchover to {@code candidate} is refused; empty when it may be requested. */
  public static Optional<String> refuseSwitchover(FailoverSpec spec, List<String> peers, ClusterState s, String candidate,
      Optional<String> from) {
    if (s.paused()) {
      return Optional.of("the cluster is paused (" + s.pause().get() + "): nothing is promoted or demoted; run pgconverge resume first");
    }
    if (s.leader().isEmpty()) {
      return Optional.of("nobody holds the leader key, so there is no primary to switch over from; use pgconverge failover --to "
          + candidate);
    }
    String leader = s.leader().get();
    if (from.isPresent() && !from.get().equals(leader)) {
      return Optional.of("--from " + from.get() + ": the leader is " + leader + ", not " + from.get());
    }
    if (candidate.equals(leader)) {
      return Optional.of(candidate + " is the leader already");
    }
    return refuseCandidate(spec, peers, s, candidate);
  }

  /** Why a failover to {@code candidate} is refused; empty when it may be requested. */
  public static Optional<String> refuseFailover(FailoverSpec spec, List<String> peers, ClusterState s, String candidate,
      boolean synchronous, boolean allowDataLoss) {
    if (s.paused()) {
      return Optional.of("the cluster is paused (" + s.pause().get() + "): nothing is promoted or demoted; run pgconverge resume first");
    }
    if (s.leader().isPresent()) {
      return Optional.of(s.leader().get() + " holds the leader key: a failover is only for a cluster without a primary; use"
          + " pgconverge switchover --to " + candidate);
    }
    if (!s.initialized()) {
      return Optional.of("the cluster is not initialized in etcd (no initialize key): the preferred primary bootstraps it");
    }
    Optional<String> refused = refuseCandidate(spec, peers, s, candidate);
    if (refused.isPresent()) {
      return refused;
    }
    if (synchronous && s.sync().isPresent() && !s.sync().get().contains(candidate) && !allowDataLoss) {
      return Optional.of(candidate + " is not a synchronous standby (the sync key lists " + String.join(", ", s.sync().get())
          + "): it may lack acknowledged commits; --allow-data-loss promotes it anyway");
    }
    return Optional.empty();
  }

  private static Optional<String> refuseCandidate(FailoverSpec spec, List<String> peers, ClusterState s, String candidate) {
    if (!peers.contains(candidate)) {
      return Optional.of(candidate + " is not a peer of the desired state (peers: " + String.join(", ", peers) + ")");
    }
    if (spec.priority(candidate) == 0) {
      return Optional.of(candidate + " has failover_priority 0: it is never promoted");
    }
    Member m = s.members().get(candidate);
    if (m == null) {
      return Optional.of(candidate + " has no member key: its daemon does not run, or does not reach etcd");
    }
    if (m.role().equals("stopped")) {
      return Optional.of(candidate + "'s member key says its server does not run");
    }
    return Optional.empty();
  }

  /** What a pushed file's preferred primary does to the config and failover keys. */
  public sealed interface PreferredChange {
    /** No config key yet: create it (generation 0); nothing fires. */
    record Bootstrap(Preferred config) implements PreferredChange {}

    /** The same preferred primary as etcd's: nothing is written. */
    record Unchanged(Preferred config) implements PreferredChange {}

    /** A new preferred primary: write {@code config}, and {@code request} when there is one to fire (with the reason when not). */
    record Changed(Preferred config, Optional<Request> request, String reason) implements PreferredChange {}
  }

  /**
   * What the file's preferred primary {@code filePreferred} does, given etcd's config key and
   * leader; {@code previouslyPreferred}, when known, is the preferred primary of the file this
   * daemon enforced before: when it is the same, this daemon's file did not change it, so a
   * difference from etcd is another host's newer push (or this file is stale) and nothing fires.
   */
  public static PreferredChange preferredPrimary(FailoverSpec spec, Optional<Preferred> config, String filePreferred,
      Optional<String> previouslyPreferred, Optional<String> leader) {
    if (config.isEmpty()) {
      return new PreferredChange.Bootstrap(new Preferred(filePreferred, 0));
    }
    Preferred now = config.get();
    if (now.preferred().equals(filePreferred) || previouslyPreferred.filter(filePreferred::equals).isPresent()) {
      return new PreferredChange.Unchanged(now);
    }
    Preferred next = new Preferred(filePreferred, now.generation() + 1);
    if (leader.filter(filePreferred::equals).isPresent()) {
      return new PreferredChange.Changed(next, Optional.empty(), filePreferred + " holds the leader key already: nothing to switch");
    }
    if (spec.priority(filePreferred) == 0) {
      return new PreferredChange.Changed(next, Optional.empty(), filePreferred + " has failover_priority 0: it is never promoted");
    }
    Request r = new Request(Request.Kind.SWITCHOVER, leader, filePreferred, next.generation());
    return new PreferredChange.Changed(next, Optional.of(r), "the file's preferred primary changed from " + now.preferred()
        + " to " + filePreferred + " (generation " + next.generation() + "): switchover requested"
        + leader.map(l -> " from " + l).orElse(""));
  }

  /**
   * Why a request to {@code candidate} has not been carried out yet, as far as the keys tell: its
   * member key (missing, stopped, on another timeline, too far behind the leader's), a pause,
   * or the request itself gone. The agents log the full reason.
   */
  public static String notYet(FailoverSpec spec, ClusterState s, String candidate) {
    if (s.paused()) {
      return "the cluster was paused (" + s.pause().get() + ")";
    }
    Member m = s.members().get(candidate);
    if (m == null) {
      return candidate + " has no member key (its daemon stopped or lost etcd)";
    }
    String said = candidate + "'s member key: role " + m.role() + ", timeline " + m.timeline() + ", lsn " + m.lsn();
    Optional<Member> leader = s.leader().map(s.members()::get);
    if (leader.isPresent()) {
      Member l = leader.get();
      if (l.timeline() != m.timeline()) {
        return said + "; the leader " + s.leader().get() + " is on timeline " + l.timeline();
      }
      if (l.lsn() - m.lsn() > spec.maximumLagBytes()) {
        return said + "; " + (l.lsn() - m.lsn()) + " bytes behind the leader " + s.leader().get() + ", more than maximum_lag ("
            + spec.maximumLagBytes() + ")";
      }
    }
    if (m.role().equals("stopped")) {
      return said + " (its server does not run)";
    }
    return said + (s.request().isEmpty() ? "; the request is no longer pending" : "; the request is still pending")
        + (s.leader().isPresent() ? "; the leader is " + s.leader().get() : "; nobody holds the leader key")
        + " (the daemons' logs say why)";
  }
}
