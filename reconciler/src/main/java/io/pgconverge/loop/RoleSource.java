package io.pgconverge.loop;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.plan.PlanContext;
import java.util.Optional;

/**
 * Who is primary for one run. Under {@code failover.mode: file} the desired-state file says it
 * ({@link #FILE}: the state itself); under {@code failover.mode: etcd} the holder of etcd's
 * leader key does, as this host's failover agent saw it ({@link #fromLeader}).
 */
@FunctionalInterface
public interface RoleSource {
  /** The roles a run of {@code file} (the state read from the file) enforces. */
  Roles roles(DesiredState file);

  /** Roles from the file alone. */
  RoleSource FILE = file -> new Roles(Optional.of(file), false, false, "");

  /**
   * A command's ({@code apply}, {@code check}): the file's roles under file mode; under etcd mode
   * none, since only the daemon's failover loop knows the leader key's holder (an apply that
   * enforced the file's roles could stop or promote a server behind the agents' backs).
   */
  RoleSource COMMAND = file -> file.failover().etcdMode()
      ? new Roles(Optional.empty(), true, false, "failover.mode etcd: roles come from etcd's leader key, which only the daemon"
          + " follows; this command enforces nothing (start the daemon: pgconverge daemon)")
      : FILE.roles(file);

  /**
   * What a run enforces.
   *
   * @param effective the state to enforce, with its primary as said; empty: roles are not
   *     enforced this run (no pass runs)
   * @param etcdRoles the primary is the holder of the leader key (the plan never promotes)
   * @param holdsLeaderKey this host holds the leader key now
   * @param reason why roles are not enforced, when {@code effective} is empty; what the run does
   *     instead, when {@code nobodyHoldsLeaderKey}
   * @param nobodyHoldsLeaderKey under etcd roles, nobody holds the leader key of an initialized
   *     cluster that is not paused: the run's pass only starts a stopped server read-only ({@code
   *     effective} is the file's state, whose roles that pass does not look at)
   */
  record Roles(Optional<DesiredState> effective, boolean etcdRoles, boolean holdsLeaderKey, String reason,
      boolean nobodyHoldsLeaderKey) {
    /** Roles of a run while a member holds the key, or of no run. */
    public Roles(Optional<DesiredState> effective, boolean etcdRoles, boolean holdsLeaderKey, String reason) {
      this(effective, etcdRoles, holdsLeaderKey, reason, false);
    }

    /** The planner's context for a run of these roles. */
    public PlanContext context(boolean restartWindowOpen) {
      return nobodyHoldsLeaderKey ? PlanContext.leaderless(restartWindowOpen)
          : new PlanContext(restartWindowOpen, etcdRoles, holdsLeaderKey);
    }
  }

  /** What the failover loop's roles say while nobody holds the key of an initialized cluster (the run's INFO line). */
  String NOBODY_HOLDS_THE_KEY = "failover.mode etcd: nobody holds the leader key: a stopped server with an initialized data"
      + " directory is started read-only (standby.signal) so it can be a candidate; nothing else is enforced until a member"
      + " holds the key";

  /**
   * The roles under {@code failover.mode: etcd} as etcd last said them, before the cluster was
   * known to be initialized: {@link #fromLeader(DesiredState, Optional, boolean, boolean, boolean)}
   * with neither {@code initialized} nor {@code paused}.
   */
  static Roles fromLeader(DesiredState file, Optional<String> leader, boolean holdsLeaderKey) {
    return fromLeader(file, leader, holdsLeaderKey, false, false);
  }

  /**
   * The roles under {@code failover.mode: etcd}: {@code leader} (the leader key's value, as the
   * failover agent last read it) is the primary, every other peer a replica. A name that is not a
   * peer: nothing is enforced. Nobody: before the cluster exists ({@code initialized}: etcd's
   * {@code initialize} key was there at the agent's last read) or while {@code paused}, nothing is
   * enforced (the preferred primary's agent bootstraps; a paused cluster is the operator's); once
   * it exists, a run whose only change is a stopped server started read-only, so that a cluster
   * whose servers all went down gets candidates again. {@code holdsLeaderKey} counts only when the
   * leader is this host. A state whose failover mode is file gets its own roles. Pure.
   */
  static Roles fromLeader(DesiredState file, Optional<String> leader, boolean holdsLeaderKey, boolean initialized, boolean paused) {
    if (!file.failover().etcdMode()) {
      return FILE.roles(file);
    }
    if (leader.isEmpty() && initialized && !paused) {
      return new Roles(Optional.of(file), true, false, NOBODY_HOLDS_THE_KEY, true);
    }
    if (leader.isEmpty()) {
      return new Roles(Optional.empty(), true, false, paused
          ? "failover.mode etcd: paused (maintenance) and nobody holds the leader key; nothing is started or enforced until the"
              + " pause ends or a member holds the key"
          : "failover.mode etcd: no member holds the leader key yet; roles are not enforced until one does");
    }
    String name = leader.get();
    if (file.peers().stream().noneMatch(p -> p.name().equals(name))) {
      return new Roles(Optional.empty(), true, false, "failover.mode etcd: the leader key names " + name
          + ", which is not a peer of " + file.where("peers") + "; roles are not enforced");
    }
    return new Roles(Optional.of(file.withPrimary(name)), true, holdsLeaderKey && name.equals(file.self()), "");
  }
}
