package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.ReclonePolicy;
import io.pgconverge.desired.ReplicationConninfo;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.DivergenceFact;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.UpstreamFact;
import io.pgconverge.pg.Lsn;
import io.pgconverge.pg.Rewind;
import java.util.Optional;
import java.util.Set;

/**
 * Role changes the desired state asks for: promotion on proof only, stepping down, rejoining, and a
 * replica that cannot follow the primary's timeline rewound. Nothing to do during a bootstrap.
 * Under {@code failover.mode: etcd} the desired state's primary is the holder of etcd's leader
 * key, and step 1 is only the slots: the failover agent promotes, after winning the key; the other
 * steps are the same.
 *
 * <ol>
 *   <li>Desired primary, server in recovery: first the slots its replicas will use (physical slots
 *       work on a standby, so a replica that follows early finds its slot and crosses to the new
 *       timeline at once); then promote on proof only: the former primary answers and is in
 *       recovery, its host refuses the connection (no server), or the desired state no longer lists
 *       it. Silence is not proof: without proof, refuse and stop. The promotion itself is planned
 *       by {@link PromoteStep}, after postgresql.conf is written and loaded.
 *   <li>Desired replica, server accepting writes: a primary of another system is refused and left
 *       running (stop); otherwise stop it cleanly, and stop planning: the next pass rejoins it.
 *   <li>Desired replica, server in recovery that cannot follow the primary's timeline (observed
 *       only when it does not stream from a primary on a later timeline: {@link DivergenceFact}):
 *       the primary's new timeline forked off the replica's before its replay position (an
 *       asynchronous failover promoted a replica that had less of the old primary's WAL), or the
 *       replica's timeline is not on the primary's history. Its server would only log that, for
 *       ever. Remove standby.signal (durably), then stop it cleanly, and stop planning: the next
 *       pass finds it stopped without standby.signal and rejoins it (step 5). In this order a run
 *       killed in between leaves either a running replica that is found diverged again, or a
 *       stopped server that is rewound; never a stopped standby whose start fails on the primary's
 *       history file it already fetched.
 *   <li>Under {@code failover.mode: etcd}, desired replica in recovery that does not stream from the
 *       leader while the leader answers still in recovery (it took the key, its promotion is under
 *       way): a refusal that waits for that peer, so the daemon asks again within a second (once
 *       promoted, step 3 may find this replica cannot follow it), and continue.
 *   <li>Desired replica, server stopped without standby.signal (a former primary, or a replica
 *       stopped by step 3): while the new primary cannot be asked or is not promoted yet, refuse and
 *       stop (the server stays stopped); otherwise the passfile, then pg_rewind from the new
 *       primary (moved aside when impossible, under {@code policy.reclone: move-aside}); the later
 *       steps write standby.signal and start it. A run killed during pg_rewind leaves the server
 *       stopped without standby.signal: the next rewinds again, never starts it half-rewound. A
 *       copy pg_rewind finished (its backup_label and control file say so) is not rewound again:
 *       the later steps start it as a replica; when its control file cannot be read, refuse and stop.
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
    if (server instanceof ServerFact.Running && plan.replica()
        && plan.facts().divergence() instanceof DivergenceFact.Checked c && !c.followable()) {
      return stopDiverged(plan, c);
    }
    if (server instanceof ServerFact.Running && plan.replica() && plan.facts().divergence() instanceof DivergenceFact.Unknown u) {
      plan.drift(DriftKind.SERVER, "timeline", "on the history of " + plan.desired().primary().name() + "'s timeline",
          "not known: " + u.reason(), "none: checked again on the next run", "");
    }
    if (server instanceof ServerFact.Running r && plan.replica() && r.inRecovery() && plan.context().etcdRoles()
        && plan.facts().primary() instanceof PrimaryFact.Reachable p && p.answer().inRecovery()
        && !r.replication().streamsFrom(p.host(), p.port())) {
      plan.refuse(RefusalReason.WAITING_FOR_PRIMARY, "follow " + plan.desired().primary().name(),
          plan.desired().primary().name() + " holds the leader key but is not promoted yet, and this replica does not stream from it;"
              + " asked again shortly");
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
    plan.promoteAfterSettings(new Action.Promote(proof.get()));
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

  private static Next stopDiverged(PlanBuilder plan, DivergenceFact.Checked c) {
    String primary = plan.desired().primary().name();
    String fork = c.switchpoint()
        .map(at -> "but " + primary + "'s timeline " + c.primaryTimeline() + " forked off timeline " + c.replayTimeline() + " at "
            + Lsn.format(at) + ", before that")
        .orElse("but timeline " + c.replayTimeline() + " is not on the history of " + primary + "'s timeline " + c.primaryTimeline());
    plan.drift(DriftKind.SERVER, "timeline", "on the history of " + primary + "'s timeline " + c.primaryTimeline(),
        "replayed timeline " + c.replayTimeline() + " up to " + Lsn.format(c.replayLsn()) + ", " + fork
            + ": it cannot follow " + primary,
        "remove standby.signal, stop it cleanly, then pg_rewind from " + primary + " and start it as a replica", plan.selfField("role"));
    if (plan.facts().file(plan.pg().standbySignal()) instanceof FileFact.Present) {
      plan.add(new Action.RemoveFile(plan.pg().standbySignal(), "the server must be rewound before it follows " + primary));
    }
    plan.add(new Action.StopServer(plan.pg().config(), plan.bin(),
        "it cannot follow " + primary + "'s timeline " + c.primaryTimeline() + ": pg_rewind next", Set.of(Stage.CONFIG_FILES)));
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
    switch (rewindState(plan)) {
      case REWOUND -> {
        plan.drift(DriftKind.SERVER, "role", "replica of " + primary.name(),
            "stopped, without standby.signal, rewound by pg_rewind and not started since (its backup_label, cluster state "
                + Rewind.REWOUND_STATE + ")",
            "start as a replica; no second pg_rewind (its crash recovery of the rewound copy would fork its WAL from "
                + primary.name() + "'s)", plan.selfField("role"));
        StandbyStep.planPassfile(plan);
        return Next.CONTINUE;
      }
      case UNKNOWN -> {
        plan.refuse(RefusalReason.ROLE_CHANGE, "rejoin as a replica of " + primary.name(),
            "PGDATA holds pg_rewind's backup_label but its control file could not be read, so whether that rewind finished"
                + " is not known; nothing is touched, the server stays stopped");
        return Next.STOP;
      }
      case TO_REWIND -> { }
    }
    plan.drift(DriftKind.SERVER, "role", "replica of " + primary.name(),
        "stopped, without standby.signal (a former primary, or a replica that cannot follow " + primary.name() + "'s timeline)",
        "pg_rewind from " + primary.name() + ", then start as a replica", plan.selfField("role"));
    StandbyStep.planPassfile(plan);
    plan.add(new Action.Rewind(plan.pg().data(), plan.bin(), ReplicationConninfo.rewind(desired),
        primary.name() + " (" + primary.host() + ":" + primary.port() + ")",
        desired.policy().reclone() == ReclonePolicy.MOVE_ASIDE));
    return Next.CONTINUE;
  }

  private enum RewindState { TO_REWIND, REWOUND, UNKNOWN }

  /**
   * Whether a stopped PGDATA without standby.signal still needs pg_rewind. pg_rewind writes its
   * backup_label and then, last, the control file with the state {@link Rewind#REWOUND_STATE}: both
   * there is a finished rewind whose first start has not happened (a run killed after pg_rewind, or
   * while a pg_rewind it left running finished); its label without that state is a rewind cut
   * between the two writes, whose control file is still the old one, so a rewind again is right.
   */
  private static RewindState rewindState(PlanBuilder plan) {
    if (!(plan.facts().file(plan.pg().backupLabel()) instanceof FileFact.Present label) || !Rewind.writtenByRewind(label.text())) {
      return RewindState.TO_REWIND;
    }
    if (plan.facts().dataDirectory() instanceof DataDirectoryFact.Initialized i && i.control().isPresent()) {
      return i.control().get().clusterState().equals(Rewind.REWOUND_STATE) ? RewindState.REWOUND : RewindState.TO_REWIND;
    }
    return RewindState.UNKNOWN;
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
