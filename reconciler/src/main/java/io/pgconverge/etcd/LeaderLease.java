package io.pgconverge.etcd;

import io.pgconverge.etcd.EtcdClient.Lease;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The leader-key primitives of one member, in the manner of Patroni's etcd3 store: the primary is
 * whoever holds {@code <prefix>leader}, a key holding its member name and attached to its lease,
 * so the key goes by itself when the holder stops renewing.
 *
 * <ol>
 *   <li><b>Take</b>: one transaction, compare {@code create_revision == 0} (the key does not
 *       exist), then put our name on our lease; otherwise read the holder. Of any number of
 *       candidates at once exactly one wins, because etcd serialises the transactions.
 *   <li><b>Renew</b>: keep the lease alive, then a transaction that compares the key's value with
 *       our name (and its lease with ours): a key someone else took is never overwritten. The
 *       result carries the monotonic time at which the keepalive was <em>sent</em>: the lease
 *       cannot end before {@code sent + ttl}, however long the answer took, so {@code sent + ttl
 *       - margin} is a deadline a primary may trust.
 *   <li><b>Release</b>: delete the key only under the compare "its value is our name".
 *   <li><b>Member key</b>: each member writes its own key on its own lease.
 * </ol>
 *
 * Every method does one or two etcd requests and nothing else; the decision what to do with the
 * answers belongs to the caller. A compare that does not hold is an answer, never an exception.
 */
public final class LeaderLease {
  private final EtcdClient client;
  private final ClusterKeys keys;
  private final String name;

  public LeaderLease(EtcdClient client, ClusterKeys keys, String name) {
    if (name.isEmpty() || name.contains("/")) {
      throw new IllegalArgumentException("member name must be non-empty and without '/', got '" + name + "'");
    }
    this.client = client;
    this.keys = keys;
    this.name = name;
  }

  public ClusterKeys keys() {
    return keys;
  }

  public String name() {
    return name;
  }

  /** The last monotonic instant at which a lease renewed at {@code sentNanos} for {@code ttlSeconds} is surely still held. */
  public static long deadlineNanos(long sentNanos, long ttlSeconds, Duration margin) {
    return sentNanos + Duration.ofSeconds(ttlSeconds).minus(margin).toNanos();
  }

  /** Outcome of {@link #tryTake}. */
  public sealed interface Acquire {
    /** We hold the key, at {@code revision}, on {@code lease} (whose {@code sentNanos} starts the deadline). */
    record Taken(Lease lease, long revision) implements Acquire {
      public long deadlineNanos(Duration margin) {
        return LeaderLease.deadlineNanos(lease.sentNanos(), lease.ttlSeconds(), margin);
      }
    }

    /** Someone holds it already. */
    record HeldBy(KeyValue holder) implements Acquire {}
  }

  /** Outcome of {@link #renew}. */
  public sealed interface Renewal {
    /** Still ours; the lease restarted at its TTL when the keepalive was sent ({@code lease.sentNanos()}). */
    record Renewed(Lease lease, long revision) implements Renewal {
      public long deadlineNanos(Duration margin) {
        return LeaderLease.deadlineNanos(lease.sentNanos(), lease.ttlSeconds(), margin);
      }
    }

    /** Not ours any more; {@code holder} is who holds it now, if anyone. */
    record Lost(LostReason reason, Optional<KeyValue> holder) implements Renewal {}
  }

  public enum LostReason {
    LEASE_EXPIRED("our lease expired or was revoked"),
    KEY_GONE("the leader key no longer exists"),
    HELD_BY_OTHER("another member holds the leader key");

    public final String text;

    LostReason(String text) {
      this.text = text;
    }
  }

  /** Grants this member a lease of {@code ttlSeconds}. */
  public Lease grant(long ttlSeconds) throws EtcdException {
    return client.grantLease(ttlSeconds);
  }

  /** Takes the leader key if nobody holds it (compare create_revision == 0), on {@code lease}. */
  public Acquire tryTake(Lease lease) throws EtcdException {
    Txn.Result r = client.txn(new Txn(
        List.of(new Txn.Compare.CreateRevision(keys.leader(), 0)),
        List.of(new Txn.Op.Put(keys.leader(), name, lease.id())),
        List.of(new Txn.Op.Range(keys.leader()))));
    if (r.succeeded()) {
      return new Acquire.Taken(lease, r.header().revision());
    }
    KeyValue holder = holder(r).orElseThrow(() -> new EtcdException.Refused("take leader", 2,
        "leader key exists but the same transaction could not read it"));
    // A retried attempt (the first timed out but committed) finds our own key on our own lease.
    if (holder.value().equals(name) && holder.lease() == lease.id()) {
      return new Acquire.Taken(lease, holder.modRevision());
    }
    return new Acquire.HeldBy(holder);
  }

  /**
   * Renews our hold on the leader key: a keepalive of {@code lease}, then a compare of the key's
   * value with our name. A key of ours left on an older lease of ours is moved to {@code lease}
   * (under the same compare). When the keepalive went through but the compare could not be made,
   * this throws: a caller must not count a kept-alive lease as a renewed leader key, and keeps the
   * deadline of its last {@link Renewal.Renewed}.
   */
  public Renewal renew(Lease lease) throws EtcdException {
    Lease renewed;
    try {
      renewed = client.keepAlive(lease.id());
    } catch (EtcdException.LeaseNotFound gone) {
      return new Renewal.Lost(LostReason.LEASE_EXPIRED, leader());
    }
    Txn.Result r = client.txn(new Txn(
        List.of(new Txn.Compare.Value(keys.leader(), name), new Txn.Compare.Lease(keys.leader(), lease.id())),
        List.of(),
        List.of(new Txn.Op.Range(keys.leader()))));
    if (r.succeeded()) {
      return new Renewal.Renewed(renewed, r.header().revision());
    }
    Optional<KeyValue> holder = holder(r);
    if (holder.isEmpty()) {
      return new Renewal.Lost(LostReason.KEY_GONE, Optional.empty());
    }
    if (!holder.get().value().equals(name)) {
      return new Renewal.Lost(LostReason.HELD_BY_OTHER, holder);
    }
    Txn.Result moved = client.txn(new Txn(
        List.of(new Txn.Compare.Value(keys.leader(), name)),
        List.of(new Txn.Op.Put(keys.leader(), name, lease.id())),
        List.of(new Txn.Op.Range(keys.leader()))));
    if (moved.succeeded()) {
      return new Renewal.Renewed(renewed, moved.header().revision());
    }
    Optional<KeyValue> now = holder(moved);
    return new Renewal.Lost(now.isEmpty() ? LostReason.KEY_GONE : LostReason.HELD_BY_OTHER, now);
  }

  /** Deletes the leader key if it holds our name; returns true if it did. */
  public boolean release() throws EtcdException {
    return client.txn(new Txn(
        List.of(new Txn.Compare.Value(keys.leader(), name)),
        List.of(new Txn.Op.Delete(keys.leader())),
        List.of())).succeeded();
  }

  /** A linearizable read of the leader key. */
  public Optional<KeyValue> leader() throws EtcdException {
    return client.get(keys.leader());
  }

  /** Writes this member's key ({@code value} is the caller's JSON) on this member's lease. */
  public ResponseHeader touchMember(String value, Lease lease) throws EtcdException {
    return client.put(keys.member(name), value, lease.id());
  }

  /** Creates the initialize key holding {@code value} if it does not exist; returns true if we created it. */
  public boolean initialize(String value) throws EtcdException {
    return client.txn(new Txn(
        List.of(new Txn.Compare.CreateRevision(keys.initialize(), 0)),
        List.of(new Txn.Op.Put(keys.initialize(), value, 0)),
        List.of())).succeeded();
  }

  /** Revokes the lease: the leader key (if ours) and our member key go at once. */
  public void revoke(Lease lease) throws EtcdException {
    client.revoke(lease.id());
  }

  private static Optional<KeyValue> holder(Txn.Result r) {
    return r.ranges().isEmpty() || r.ranges().get(0).isEmpty() ? Optional.empty()
        : Optional.of(r.ranges().get(0).get(0));
  }
}
