package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.ReclonePolicy;
import io.pgconverge.desired.ReplicationConninfo;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.UpstreamFact;
import java.util.Optional;

/**
 * Role changes the desired state asks for: promotion on proof only, stepping down, rejoining.
 * Nothing to do during a bootstrap. Under {@code failover.mode: etcd} the desired state's primary
 * is the holder of etcd's leader key, and step 1 is only the slots: the failover agent promotes,
 * after winning the key; steps 2 and 3 are the same.
 *
 * <ol>
 *   <li>Desired primary, server in recovery: first the slots its replicas will use (physical slots
 *       work on a standby, so a replica that follows early finds its slot and crosses to the new
 *       timeline at once); then promote on proof only: the former primary answers and is in
 *       recovery, its host refuses the connection (no server), or the desired state no longer lists
 *       it. Silence is not proof: without proof, refuse and stop.
 *   <li>Desired replica, server accepting writes: a primary of another system is refused and left
 *       running (stop); otherwise stop it cleanly, and stop planning: the next pass rejoins it.
 *   <li>Desired replica, server stopped without standby.signal (a former primary): while the new
 *       primary cannot be asked or is not promoted yet, refuse and stop (the server stays stopped);
 *       otherwise the passfile, then pg_rewind from the new primary (moved aside when impossible,
 *       under {@code policy.reclone: move-aside}); the later steps write standby.signal and start it.
 *   <li>Otherwise: continue.
 * </ol>
 */
final class RoleChangeStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    if (plan.bootstrap()) {
      return Next.CONTINUE;
    }
    ServerFact server = plan.server();
    if (server instanceof ServerFact.Running r && !plan.replica() && r.inRecovery()) {
      return plan.context().etcdRoles() ? leaveToFailoverAgent(plan, r) : promote(plan, r);
    }
    if (server instanceof ServerFact.Running r && plan.replica() && !r.inRecovery()) {
      return stepDown(plan, r);
    }
    if (server instanceof ServerFact.NotRunning && plan.replica()
        && !(plan.facts().file(plan.pg().standbySignal()) instanceof FileFact.Present)) {
      return rejoin(plan);
    }
    return Next.CONTINUE;
  }

  private static Next promote(PlanBuilder plan, ServerFact.Running server) {
    ReplicationStep.planSlots(plan, server);
    Optional<String> proof = promotionProof(plan);
    if (proof.isEmpty()) {
      return Next.STOP;
    }
    plan.drift(DriftKind.SERVER, "role", "primary", "replica (in recovery)", "promote", plan.selfField("role"));
    plan.add(new Action.Promote(proof.get()));
    return Next.CONTINUE;
  }

  /**
   * Under {@code failover.mode: etcd} the plan never promotes: the failover agent does, and only
   * after its transaction on the leader key won. The slots of the replicas are made (they work on
   * a standby); the rest waits for the promotion.
   */
  private static Next leaveToFailoverAgent(PlanBuilder plan, ServerFact.Running server) {
    ReplicationStep.planSlots(plan, server);
    plan.drift(DriftKind.SERVER, "role", "primary (holder of the leader key)", "replica (in recovery)",
        "none here: the failover agent promotes it once it holds the leader key", plan.selfField("role"));
    return Next.STOP;
  }

  private static Next stepDown(PlanBuilder plan, ServerFact.Running server) {
    DesiredState desired = plan.desired();
    String primary = desired.primary().name();
    if (plan.facts().primary() instanceof PrimaryFact.Reachable p
        && !p.systemIdentifier().equals(server.replication().systemIdentifier())) {
      plan.refuse(RefusalReason.FOREIGN_CLUSTER, "server on port " + desired.port(),
          "it is a primary of system " + server.replication().systemIdentifier() + ", not of the desired primary's "
              + p.systemIdentifier() + " (" + primary + "); it is left running");
      return Next.STOP;
    }
    plan.drift(DriftKind.SERVER, "role", "replica of " + primary, "primary (accepts writes)",
        "stop it cleanly, then rejoin " + primary + " as a replica", plan.selfField("role"));
    plan.add(new Action.StopServer(plan.pg().config(), plan.bin(),
        "stepping down: the desired state makes " + primary + " the primary"));
    return Next.STOP;
  }

  private static Next rejoin(PlanBuilder plan) {
    DesiredState desired = plan.desired();
    Peer primary = desired.primary();
    if (plan.facts().primary() instanceof PrimaryFact.Unreachable u) {
      plan.refuse(RefusalReason.WAITING_FOR_PRIMARY, "rejoin as a replica of " + primary.name(),
          "the new primary cannot be asked (" + u.reason() + "); the server stays stopped");
      return Next.STOP;
    }
    if (plan.facts().primary() instanceof PrimaryFact.Reachable p && p.answer().inRecovery()) {
      plan.refuse(RefusalReason.WAITING_FOR_PRIMARY, "rejoin as a replica of " + primary.name(),
          primary.name() + " answers but is not promoted yet; the server stays stopped");
      return Next.STOP;
    }
    plan.drift(DriftKind.SERVER, "role", "replica of " + primary.name(), "stopped, without standby.signal (a former primary)",
        "pg_rewind from " + primary.name() + ", then start as a replica", plan.selfField("role"));
    StandbyStep.planPassfile(plan);
    plan.add(new Action.Rewind(plan.pg().data(), plan.bin(), ReplicationConninfo.rewind(desired),
        primary.name() + " (" + primary.host() + ":" + primary.port() + ")",
        desired.policy().reclone() == ReclonePolicy.MOVE_ASIDE));
    return Next.CONTINUE;
  }

  /**
   * Why it is safe to promote now, or empty (with a refusal) when it is not. Only proof counts:
   * the former primary answers and is in recovery, its host refuses the connection (no server),
   * or the desired state no longer lists it. Silence is not proof.
   */
  private static Optional<String> promotionProof(PlanBuilder plan) {
    String subject = "promotion of " + plan.desired().self();
    UpstreamFact up = plan.facts().upstream();
    if (up instanceof UpstreamFact.Unlisted u) {
      return Optional.of("the desired state no longer lists the former primary " + u.host() + ":" + u.port());
    }
    if (up instanceof UpstreamFact.Asked a) {
      String who = "former primary " + a.peer() + " (" + a.host() + ":" + a.port() + ")";
      if (a.answer() instanceof PeerAnswer.Answered ans) {
        if (ans.inRecovery()) {
          return Optional.of(who + " answers and is in recovery");
        }
        plan.refuse(RefusalReason.PROMOTION_BLOCKED, subject,
            who + " still accepts writes; it must step down first (it does when it gets this desired state)");
        return Optional.empty();
      }
      if (a.answer() instanceof PeerAnswer.Refused r) {
        return Optional.of(who + " refuses connections: its server is down (" + r.reason() + ")");
      }
      plan.refuse(RefusalReason.PROMOTION_BLOCKED, subject,
          who + " does not answer (" + ((PeerAnswer.Silent) a.answer()).reason()
              + "); silence is not proof, so the promotion waits (remove it from peers to fail over)");
      return Optional.empty();
    }
    plan.refuse(RefusalReason.PROMOTION_BLOCKED, subject, "the server it replicates from cannot be asked");
    return Optional.empty();
  }
}
