package io.pgconverge.desired;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A validated desired state, version 1: what this host must look like. Built only by {@link
 * DesiredStateLoader}, so every instance has passed validation: exactly one primary, {@code self}
 * names a peer, every hba line parses.
 *
 * @param source the file it was read from
 * @param locations where each field was written, for messages
 * @param schedule when the daemon runs on its own
 * @param failover who decides which host is primary: this file (default) or etcd's leader key
 */
public record DesiredState(
    Path source,
    int version,
    String cluster,
    String self,
    List<Peer> peers,
    PostgresSpec postgres,
    List<RoleSpec> roles,
    Optional<ReplicationSpec> replication,
    Policy policy,
    Locations locations,
    Schedule schedule,
    FailoverSpec failover) {

  public DesiredState {
    peers = List.copyOf(peers);
    roles = List.copyOf(roles);
  }

  /** A desired state with the default schedule (every 5m, jitter 30s) whose roles come from the file alone. */
  public DesiredState(
      Path source,
      int version,
      String cluster,
      String self,
      List<Peer> peers,
      PostgresSpec postgres,
      List<RoleSpec> roles,
      Optional<ReplicationSpec> replication,
      Policy policy,
      Locations locations) {
    this(source, version, cluster, self, peers, postgres, roles, replication, policy, locations, Schedule.DEFAULT,
        FailoverSpec.FILE);
  }

  /** The peer entry of this host. */
  public Peer selfPeer() {
    return peers.stream().filter(p -> p.name().equals(self)).findFirst().orElseThrow();
  }

  /** The one peer whose role is primary. */
  public Peer primary() {
    return peers.stream().filter(p -> p.role() == PeerRole.PRIMARY).findFirst().orElseThrow();
  }

  /**
   * This state with {@code peer} as the one primary and every other peer a replica: what a run
   * enforces under {@code failover.mode: etcd} when {@code peer} holds the leader key. The file's
   * own {@code role: primary} stays the preferred primary ({@link #primary()} of the state read).
   * Returns this state itself when it already says so, so a converged host plans as before.
   *
   * @throws IllegalArgumentException when no peer is named {@code peer}
   */
  public DesiredState withPrimary(String peer) {
    if (peers.stream().noneMatch(p -> p.name().equals(peer))) {
      throw new IllegalArgumentException("no peer named " + peer);
    }
    if (primary().name().equals(peer)) {
      return this;
    }
    List<Peer> swapped = peers.stream()
        .map(p -> new Peer(p.name(), p.host(), p.port(), p.name().equals(peer) ? PeerRole.PRIMARY : PeerRole.REPLICA))
        .toList();
    return new DesiredState(source, version, cluster, self, swapped, postgres, roles, replication, policy, locations, schedule,
        failover);
  }

  /** The port this host's server listens on: its own peer entry's port. */
  public int port() {
    return selfPeer().port();
  }

  /** The settings pgconverge writes itself from other fields (port, cluster_name, primary_conninfo, …). */
  public static java.util.Set<String> ownedSettingNames() {
    return OwnedSetting.sourceByName().keySet();
  }

  /** Every setting this desired state manages: the owned ones and {@code postgres.settings}. */
  public java.util.Set<String> managedSettingNames() {
    java.util.Set<String> names = new java.util.TreeSet<>(ownedSettingNames());
    names.addAll(postgres.settings().keySet());
    return names;
  }

  /** "field (file:line:col)" for messages. */
  public String where(String field) {
    return locations.describe(field);
  }
}
