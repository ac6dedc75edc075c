package io.pgconverge.plan;

/**
 * What the planner is told about the moment it plans for, since it reads no clock itself.
 *
 * @param restartWindowOpen true while {@code policy.window} is open: under {@code policy.restart:
 *     window} a restart is planned only then, and reported as pending otherwise
 * @param etcdRoles true under {@code failover.mode: etcd}: the desired state's primary is the
 *     holder of etcd's leader key, the failover agent promotes (never the plan), and a writable
 *     server is made or started only while {@code holdsLeaderKey}
 * @param holdsLeaderKey under {@code etcdRoles}: this host's failover agent holds the leader key
 *     (its last renewal's deadline has not passed) as the run plans
 * @param nobodyHoldsLeaderKey under {@code etcdRoles}: etcd last said that nobody holds the leader
 *     key of a cluster that exists (its {@code initialize} key is there) and is not paused; the
 *     plan is then {@link LeaderlessStartStep} alone (a stopped server started read-only so that
 *     it can be a candidate), whatever the desired state's roles say
 */
public record PlanContext(boolean restartWindowOpen, boolean etcdRoles, boolean holdsLeaderKey, boolean nobodyHoldsLeaderKey) {
  /** No maintenance window open: {@code window} behaves like {@code never}. */
  public static final PlanContext DEFAULT = new PlanContext(false);

  public PlanContext {
    if (nobodyHoldsLeaderKey && (!etcdRoles || holdsLeaderKey)) {
      throw new IllegalArgumentException("nobody holds the leader key only under etcd roles, and then not this host");
    }
  }

  /** Roles from the desired-state file alone ({@code failover.mode: file}). */
  public PlanContext(boolean restartWindowOpen) {
    this(restartWindowOpen, false, false);
  }

  /** Under etcd roles while a member holds the leader key (or while etcd has not said that nobody does). */
  public PlanContext(boolean restartWindowOpen, boolean etcdRoles, boolean holdsLeaderKey) {
    this(restartWindowOpen, etcdRoles, holdsLeaderKey, false);
  }

  /** Under {@code failover.mode: etcd} while nobody holds the leader key of an initialized cluster. */
  public static PlanContext leaderless(boolean restartWindowOpen) {
    return new PlanContext(restartWindowOpen, true, false, true);
  }

  /**
   * True when a server without standby.signal (writable) may be made by initdb or started: always
   * under file mode; under etcd mode only while this host holds the leader key.
   */
  public boolean mayRunWritable() {
    return !etcdRoles || holdsLeaderKey;
  }
}
