package io.pgconverge.plan;

import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.observe.ReplicationRow;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.SlotRow;
import io.pgconverge.observe.WalReceiverRow;
import io.pgconverge.pg.ReplicationSlots;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Streaming replication as the running server reports it.
 *
 * <ol>
 *   <li>On a primary that accepts writes, with {@code replication.slots}: one physical slot per
 *       replica peer ({@link ReplicationSlots#forPeer}) created when absent, reported when its WAL
 *       is lost; pgconverge's own slots ({@code pgc_*}) for peers no longer listed dropped when not
 *       in use (other slots are never touched).
 *   <li>On that primary: each listed replica that is not streaming ({@code pg_stat_replication})
 *       is drift, with no remedy here (its own report says why).
 *   <li>On a replica in recovery: a WAL receiver that does not stream is drift (the server retries
 *       by itself), and pgconverge's slots left from when it was a primary are dropped (they only
 *       hold WAL back).
 * </ol>
 */
final class ReplicationStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    if (!(plan.server() instanceof ServerFact.Running server)) {
      return Next.CONTINUE;
    }
    if (!plan.replica() && !server.inRecovery()) {
      planSlots(plan, server);
      planReplicaHealth(plan, server);
    } else if (plan.replica() && server.inRecovery()) {
      planReceiverHealth(plan, server);
      planLeftoverSlots(plan, server);
    }
    return Next.CONTINUE;
  }

  /** The primary's slots for its replica peers; also made by a standby about to be promoted. */
  static void planSlots(PlanBuilder plan, ServerFact.Running server) {
    ReplicationSpec rep = plan.desired().replication().orElse(null);
    if (rep == null || !rep.slots()) {
      return;
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (Peer peer : plan.desired().peers()) {
      if (peer.role() == PeerRole.REPLICA) {
        wanted.add(ReplicationSlots.forPeer(peer.name()));
      }
    }
    Map<String, SlotRow> have = new LinkedHashMap<>();
    for (SlotRow slot : server.replication().slots()) {
      have.put(slot.name(), slot);
    }
    for (String name : wanted) {
      SlotRow slot = have.get(name);
      if (slot == null) {
        plan.drift(DriftKind.SLOT, name, "present", "absent", "create it", plan.desired().where("replication.slots"));
        plan.add(new Action.CreateSlot(name));
      } else if ("lost".equals(slot.walStatus())) {
        plan.drift(DriftKind.SLOT, name, "WAL reserved", "lost (max_slot_wal_keep_size exceeded)",
            "none: the replica needs a new base backup", "");
      }
    }
    for (SlotRow slot : have.values()) {
      if (ReplicationSlots.isManaged(slot.name()) && !wanted.contains(slot.name())) {
        if (slot.active()) {
          plan.drift(DriftKind.SLOT, slot.name(), "absent (no such replica peer)", "present and in use", "none while it is in use", "");
        } else {
          plan.drift(DriftKind.SLOT, slot.name(), "absent (no such replica peer)", "present", "drop it", "");
          plan.add(new Action.DropSlot(slot.name()));
        }
      }
    }
  }

  private static void planReplicaHealth(PlanBuilder plan, ServerFact.Running server) {
    for (Peer peer : plan.desired().peers()) {
      if (peer.role() != PeerRole.REPLICA) {
        continue;
      }
      Optional<ReplicationRow> row = server.replication().senders().stream()
          .filter(r -> peer.name().equals(r.applicationName())).findFirst();
      String remedy = "none here: see " + peer.name() + "'s own report";
      if (row.isEmpty()) {
        plan.drift(DriftKind.REPLICATION, peer.name(), "streaming", "not connected", remedy, "");
      } else if (!row.get().streaming()) {
        plan.drift(DriftKind.REPLICATION, peer.name(), "streaming",
            row.get().state() + (row.get().replayLsn() == null ? " (nothing replayed yet)" : ""), remedy, "");
      }
    }
    SynchronousStandbys.commitsWaiting(plan.desired(), server.replication().senders()).ifPresent(why -> plan.drift(
        DriftKind.REPLICATION, "synchronous commit", "enough standbys stream", why, "start a standby", plan.desired().where("replication.synchronous")));
  }

  private static void planReceiverHealth(PlanBuilder plan, ServerFact.Running server) {
    Peer primary = plan.desired().primary();
    String want = "streaming from " + primary.host() + ":" + primary.port();
    String remedy = "none: the server retries by itself; see its log";
    Optional<WalReceiverRow> receiver = server.replication().receiver();
    if (receiver.isEmpty()) {
      plan.drift(DriftKind.REPLICATION, "wal receiver", want, "not running", remedy, "");
    } else if (!"streaming".equals(receiver.get().status())) {
      plan.drift(DriftKind.REPLICATION, "wal receiver", want, receiver.get().status() + " from " + receiver.get().senderHost(),
          remedy, "");
    }
  }

  /** A former primary now a replica: the slots it kept for others only hold WAL back here. */
  private static void planLeftoverSlots(PlanBuilder plan, ServerFact.Running server) {
    for (SlotRow slot : server.replication().slots()) {
      if (ReplicationSlots.isManaged(slot.name()) && !slot.active()) {
        plan.drift(DriftKind.SLOT, slot.name(), "absent on a replica", "present (left from when this server was primary)",
            "drop it", "");
        plan.add(new Action.DropSlot(slot.name()));
      }
    }
  }
}
