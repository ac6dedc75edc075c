package io.pgconverge.plan;

import io.pgconverge.observe.ServerFact;

/**
 * A server that does not run is started.
 *
 * <ol>
 *   <li>Stopped after a crash (postmaster.pid names a dead PID or another process): drift, and a
 *       start that first waits, bounded, for the processes the dead postmaster left, then runs
 *       crash recovery.
 *   <li>Stopped: drift (none during a bootstrap, whose data directory is new) and {@code pg_ctl
 *       start}.
 *   <li>Under {@code failover.mode: etcd}, a server that would start writable (no standby.signal:
 *       this host is the desired primary) while this host does not hold the leader key: refuse
 *       and stop; the failover agent's next change of the key starts a run again.
 *   <li>Running or unreachable: nothing here. Continue either way.
 * </ol>
 */
final class ServerStartStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    if (!(plan.server() instanceof ServerFact.NotRunning stopped)) {
      return Next.CONTINUE;
    }
    if (!plan.replica() && !plan.context().mayRunWritable()) {
      plan.refuse(RefusalReason.WAITING_FOR_LEADER_KEY, "start of the server on port " + plan.desired().port(),
          "it would start writable and this host does not hold the leader key; it stays stopped");
      return Next.STOP;
    }
    if (stopped.crashed()) {
      plan.drift(DriftKind.SERVER, "postmaster", "running", "crashed (" + stopped.reason() + ")",
          "start it again (crash recovery)", "");
    } else if (!plan.bootstrap()) {
      plan.drift(DriftKind.SERVER, "postmaster", "running", "stopped", "start", "");
    }
    plan.add(new Action.StartServer(plan.pg().config(), plan.pg().data(), plan.bin(), plan.startLog(), stopped.crashed()));
    return Next.CONTINUE;
  }
}
