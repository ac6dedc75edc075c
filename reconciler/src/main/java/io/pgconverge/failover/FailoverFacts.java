package io.pgconverge.failover;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything one loop of the failover decision looks at, read just before it: what etcd said,
 * what this host's server is, what each peer answered when polled directly, and this member's own
 * hold on the leader key as the runtime remembers it. Times are monotonic nanoseconds read by the
 * caller ({@code System.nanoTime()}), never a wall clock.
 *
 * @param self this member's name
 * @param preferredPrimary the peer the desired-state file writes as {@code role: primary}: it
 *     bootstraps the cluster
 * @param etcd what etcd said this loop, or why it could not be asked
 * @param local this host's server
 * @param peers what each other peer answered when polled directly (every peer of the desired
 *     state and every member key, once each)
 * @param hold our hold on the leader key: the deadline of the last renewal that surely went
 *     through ({@code sent + ttl - margin}), when we believe we hold it
 * @param nowNanos when these facts were read
 */
public record FailoverFacts(
    String self,
    String preferredPrimary,
    EtcdView etcd,
    Local local,
    List<PeerPoll> peers,
    Optional<Hold> hold,
    long nowNanos) {
  public FailoverFacts {
    peers = List.copyOf(peers);
  }

  /** What etcd said, or that it could not be asked. */
  public sealed interface EtcdView permits EtcdView.Answered, EtcdView.Unavailable {
    /**
     * One consistent (linearizable) read of the cluster's keys.
     *
     * @param leader the member name in the leader key, if it exists
     * @param members each member key's content, by member name
     * @param history the last timeline switch recorded, if any
     * @param paused the pause key exists (maintenance: nothing promoted or demoted)
     * @param request a pending switchover or failover
     * @param initializedBy the value of the initialize key (the member that bootstrapped), if any
     * @param lastPrimaryLsn the last WAL position the primary published, if any
     * @param raftTerm the raft term of the member that answered
     * @param highestRaftTermSeen the highest raft term any answer carried before this one
     * @param sync the standbys the {@code sync} key lists as synchronous, as the leader last
     *     published them ({@code {"members": [...]}}), when the key exists
     */
    record Answered(
        Optional<String> leader,
        Map<String, Member> members,
        Optional<History> history,
        boolean paused,
        Optional<Request> request,
        Optional<String> initializedBy,
        OptionalLong lastPrimaryLsn,
        long raftTerm,
        long highestRaftTermSeen,
        Optional<List<String>> sync) implements EtcdView {
      public Answered {
        members = Map.copyOf(members);
        sync = sync.map(List::copyOf);
      }

      /** Without a {@code sync} key. */
      public Answered(Optional<String> leader, Map<String, Member> members, Optional<History> history, boolean paused,
          Optional<Request> request, Optional<String> initializedBy, OptionalLong lastPrimaryLsn, long raftTerm,
          long highestRaftTermSeen) {
        this(leader, members, history, paused, request, initializedBy, lastPrimaryLsn, raftTerm, highestRaftTermSeen, Optional.empty());
      }
    }

    /** etcd did not answer in time, or answered with an error that is not a compare result. */
    record Unavailable(String reason) implements EtcdView {}
  }

  /** A member key: what that member last published about itself. */
  public record Member(String role, long timeline, long lsn) {}

  /** The history key: which member became primary on which timeline. */
  public record History(long timeline, String primary) {}

  /**
   * A switchover (the leader steps down for {@code candidate}) or a failover (no healthy leader:
   * {@code candidate} takes over); {@code allowDataLoss} ({@code failover --allow-data-loss}) lets
   * the candidate be promoted although it cannot prove it holds every acknowledged commit.
   */
  public record Request(Kind kind, Optional<String> from, String candidate, long generation, boolean allowDataLoss) {
    /** A request without {@code allow_data_loss}. */
    public Request(Kind kind, Optional<String> from, String candidate, long generation) {
      this(kind, from, candidate, generation, false);
    }

    public enum Kind {
      SWITCHOVER,
      FAILOVER
    }
  }

  /**
   * This host's server.
   *
   * @param running the server answers
   * @param writable it answers and is not in recovery
   * @param timeline its timeline (0 when unknown)
   * @param lsn its WAL position: the current write position on a primary, the last received or
   *     replayed on a replica (0 when unknown)
   */
  public record Local(boolean running, boolean writable, long timeline, long lsn) {
    public static final Local STOPPED = new Local(false, false, 0, 0);
  }

  /**
   * What a peer answered when polled directly.
   *
   * @param answered it answered within the poll's deadline (when false the other fields mean nothing)
   * @param writable it is not in recovery
   * @param upstream the primary it streams from, when it is a replica that streams
   */
  public record PeerPoll(String name, boolean answered, boolean writable, long timeline, long lsn, int priority,
      Optional<String> upstream) {
    public static PeerPoll silent(String name, int priority) {
      return new PeerPoll(name, false, false, 0, 0, priority, Optional.empty());
    }
  }

  /** Our hold on the leader key: until {@code deadlineNanos} it is surely ours (the lease cannot have ended). */
  public record Hold(long deadlineNanos) {}

  /** The answer, when etcd answered. */
  public Optional<EtcdView.Answered> answered() {
    return etcd instanceof EtcdView.Answered a ? Optional.of(a) : Optional.empty();
  }
}
