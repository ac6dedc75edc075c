package io.pgconverge.failover;

/**
 * What one loop of the failover decision says this host does, with the reason the log shows.
 * The runtime carries it out: a {@code Take…} only by the transaction on {@code create_revision ==
 * 0}, a promotion only after that transaction succeeded, a {@link Demote} by a bounded stop (fast,
 * then immediate).
 */
public sealed interface FailoverDecision {
  String reason();

  /** We hold the leader key and our server is writable: renew the lease and the key. */
  record Renew(String reason) implements FailoverDecision {}

  /** We hold the leader key and our server is still in recovery: promote it (and renew). */
  record Promote(String reason) implements FailoverDecision {}

  /** Nobody holds the key and we are the healthiest candidate: take the key; promote only if that wins. */
  record TakeThenPromote(String reason) implements FailoverDecision {}

  /** Nobody holds the key and we are the primary of the current timeline: take the key back, promote nothing. */
  record TakeAsPrimary(String reason) implements FailoverDecision {}

  /** No initialize key and we are the preferred primary: take the initialize key, initdb, then take the leader key. */
  record Bootstrap(String reason) implements FailoverDecision {}

  /** {@code leader} holds the key: be a replica streaming from it (rewound first if need be). */
  record Follow(String leader, String reason) implements FailoverDecision {}

  /** Our server is writable and must not be: stop it now (fast, then immediate), then rejoin as a replica. */
  record Demote(String reason) implements FailoverDecision {}

  /** A switchover to {@code candidate}: stop our server cleanly (its last WAL reaches the replicas), then release the key. */
  record StepDown(String candidate, String reason) implements FailoverDecision {}

  /** We hold the key but our server is a replica: delete the key (under the compare on its value) so a healthy member can take it. */
  record Release(String reason) implements FailoverDecision {}

  /** etcd is unavailable and every peer of the last known member list confirmed us as their primary: stay primary. */
  record Failsafe(String reason) implements FailoverDecision {}

  /** Nothing to do this loop: nothing is taken, promoted or demoted. */
  record Wait(String reason) implements FailoverDecision {}
}
