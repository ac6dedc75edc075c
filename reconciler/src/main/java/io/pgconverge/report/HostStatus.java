package io.pgconverge.report;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.ReplicationRow;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.WalReceiverRow;
import io.pgconverge.plan.Plan;
import io.pgconverge.plan.Refusal;
import io.pgconverge.plan.SynchronousStandbys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code pgconverge status} shows about this host: its desired role, whether the server runs
 * and is in recovery, its timeline, the replicas it feeds (with lag in bytes) or the primary it
 * streams from. Built from facts; has no side effects.
 */
public record HostStatus(
    String self,
    String desiredRole,
    String server,
    boolean inRecovery,
    int timeline,
    List<Replica> replication,
    Optional<WalReceiverRow> walReceiver,
    List<String> waitingFor,
    int drift,
    List<String> pendingRestart,
    Optional<SynchronousStandbys.Decision> synchronous) {

  /**
   * One replica peer as the primary sees it; {@code state} is "not connected" when it has no
   * walsender; {@code syncState} is pg_stat_replication.sync_state (null when not connected).
   */
  public record Replica(String peer, String applicationName, String clientAddr, String state, String replayLsn,
      long lagBytes, boolean streaming, double lagSeconds, String syncState) {
    public Replica(String peer, String applicationName, String clientAddr, String state, String replayLsn, long lagBytes,
        boolean streaming) {
      this(peer, applicationName, clientAddr, state, replayLsn, lagBytes, streaming, -1, null);
    }
  }

  /**
   * @param plan what a run would do now: its refusals say what the host waits for (a former
   *     primary to step down, the new primary to be promoted) or refuses, and why
   */
  public static HostStatus of(DesiredState desired, Facts facts, Plan plan) {
    ServerFact server = facts.server();
    String state = server instanceof ServerFact.Running ? "running"
        : server instanceof ServerFact.Unreachable u ? "unreachable: " + u.reason()
        : "stopped";
    boolean recovery = server instanceof ServerFact.Running r && r.inRecovery();
    int timeline = server instanceof ServerFact.Running r ? r.replication().timeline() : 0;
    List<Replica> replicas = new ArrayList<>();
    Optional<WalReceiverRow> receiver = Optional.empty();
    if (server instanceof ServerFact.Running r) {
      receiver = r.replication().receiver();
      if (!r.inRecovery()) {
        Map<String, ReplicationRow> byName = new LinkedHashMap<>();
        for (ReplicationRow row : r.replication().senders()) {
          byName.putIfAbsent(row.applicationName(), row);
        }
        for (Peer p : desired.peers()) {
          if (p.role() != PeerRole.REPLICA || p.name().equals(desired.self())) {
            continue;
          }
          ReplicationRow row = byName.remove(p.name());
          replicas.add(row == null
              ? new Replica(p.name(), null, null, "not connected", null, -1, false)
              : new Replica(p.name(), row.applicationName(), row.clientAddr(), row.state(), row.replayLsn(), row.lagBytes(), row.streaming(),
                  row.lagSeconds(), row.syncState()));
        }
        for (ReplicationRow row : byName.values()) {
          replicas.add(new Replica(null, row.applicationName(), row.clientAddr(), row.state(), row.replayLsn(), row.lagBytes(), row.streaming(),
              row.lagSeconds(), row.syncState()));
        }
      }
    }
    List<String> waiting = new ArrayList<>(plan.refusals().stream().map(Refusal::message).toList());
    if (server instanceof ServerFact.Running r && !r.inRecovery()) {
      // strict synchronous replication with too few standbys: every commit waits, and says so here
      SynchronousStandbys.commitsWaiting(desired, r.replication().senders()).ifPresent(waiting::add);
    }
    return new HostStatus(desired.self(), desired.selfPeer().role().yamlName(), state, recovery, timeline, replicas, receiver,
        waiting, plan.drifts().size(), plan.pendingRestarts(), SynchronousStandbys.decide(desired, server));
  }

  /** A plain-text table for a terminal. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-10s %s (desired role: %s)%n", "host", self, desiredRole));
    sb.append(String.format("%-10s %s%s%n", "server", server,
        server.equals("running") ? (inRecovery ? ", in recovery (replica)" : ", primary") + ", timeline " + timeline : ""));
    walReceiver.ifPresent(w -> sb.append(String.format("%-10s %s from %s:%d%s%n", "receiver", w.status(), w.senderHost(), w.senderPort(),
        w.slotName() == null ? "" : " (slot " + w.slotName() + ")")));
    for (String w : waitingFor) {
      sb.append(String.format("%-10s %s%n", "waiting", w));
    }
    synchronous.filter(SynchronousStandbys.Decision::degraded)
        .ifPresent(d -> sb.append(String.format("%-10s %s%n", "degraded", d.reason())));
    sb.append(String.format("%-10s %s%n", "drift", drift == 0 ? "none" : drift + " item(s): pgconverge check lists them"));
    if (!pendingRestart.isEmpty()) {
      sb.append(String.format("%-10s %s%n", "pending", "restart for " + String.join(", ", pendingRestart)));
    }
    if (!replication.isEmpty()) {
      sb.append(String.format("%-10s %-12s %-16s %-14s %-10s %-12s %s%n", "replicas", "peer", "address", "state", "sync",
          "replay_lsn", "lag_bytes"));
      for (Replica r : replication) {
        sb.append(String.format("%-10s %-12s %-16s %-14s %-10s %-12s %s%n", "", r.peer() == null ? "(" + r.applicationName() + ")" : r.peer(),
            r.clientAddr() == null ? "-" : r.clientAddr(), r.state(), r.syncState() == null ? "-" : r.syncState(),
            r.replayLsn() == null ? "-" : r.replayLsn(), r.lagBytes() < 0 ? "-" : Long.toString(r.lagBytes())));
      }
    }
    return sb.toString();
  }
}
