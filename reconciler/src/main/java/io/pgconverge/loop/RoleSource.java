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
   * @param reason why roles are not enforced, when {@code effective} is empty
   */
  record Roles(Optional<DesiredState> effective, boolean etcdRoles, boolean holdsLeaderKey, String reason) {
    /** The planner's context for a run of these roles. */
    public PlanContext context(boolean restartWindowOpen) {
      return new PlanContext(restartWindowOpen, etcdRoles, holdsLeaderKey);
    }
  }

  /**
   * The roles under {@code failover.mode: etcd}: {@code leader} (the leader key's value, as the
   * failover agent last read it) is the primary, every other peer a replica; nobody or a name that
   * is not a peer: nothing is enforced. {@code holdsLeaderKey} counts only when the leader is this
   * host. A state whose failover mode is file gets its own roles. Pure.
   */
  static Roles fromLeader(DesiredState file, Optional<String> leader, boolean holdsLeaderKey) {
    if (!file.failover().etcdMode()) {
      return FILE.roles(file);
    }
    if (leader.isEmpty()) {
      return new Roles(Optional.empty(), true, false,
          "failover.mode etcd: no member holds the leader key yet; roles are not enforced until one does");
    }
    String name = leader.get();
    if (file.peers().stream().noneMatch(p -> p.name().equals(name))) {
      return new Roles(Optional.empty(), true, false, "failover.mode etcd: the leader key names " + name
          + ", which is not a peer of " + file.where("peers") + "; roles are not enforced");
    }
    return new Roles(Optional.of(file.withPrimary(name)), true, holdsLeaderKey && name.equals(file.self()), "");
  }
}
