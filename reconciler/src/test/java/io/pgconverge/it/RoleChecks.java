package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a DBA checks by hand after a role change, over each node's Unix socket: who accepts
 * writes, who streams from whom, which rows each node has, which slots exist.
 */
final class RoleChecks {
  private RoleChecks() {}

  /** {@code node} accepts writes: {@code pg_is_in_recovery()} is false and an insert commits. */
  static void assertTakesWrites(Cluster cluster, ClusterNode node, String table, long value) {
    assertThat(cluster.psql(node, "select pg_is_in_recovery()"))
        .as("%s is a primary (pg_is_in_recovery)", node.name()).isEqualTo("f");
    cluster.psql(node, "insert into " + table + " values (" + value + ")");
  }

  /** {@code node} is a replica: {@code pg_is_in_recovery()} is true. */
  static void assertInRecovery(Cluster cluster, ClusterNode node) {
    assertThat(cluster.psql(node, "select pg_is_in_recovery()"))
        .as("%s is in recovery", node.name()).isEqualTo("t");
  }

  /**
   * The cluster's desired primary streams to every listed replica ({@code replay_lsn} set) and
   * every replica's WAL receiver streams from the primary's address.
   */
  static void assertAllStreamFrom(Cluster cluster, ClusterNode primary) {
    assertThat(cluster.primary()).isSameAs(primary);
    cluster.awaitAllStreaming();
    for (ClusterNode r : cluster.replicas()) {
      assertThat(cluster.psql(r, "select sender_host from pg_stat_wal_receiver"))
          .as("%s's WAL receiver streams from %s", r.name(), primary.name())
          .isEqualTo(primary.address());
    }
  }

  /**
   * Inserts {@code marker} on the primary and waits until every replica has replayed it; then the
   * rows of {@code table} on every node.
   */
  static List<Set<Long>> rowsEverywhereAfterReplay(Cluster cluster, String table, long marker) {
    cluster.psql(cluster.primary(), "insert into " + table + " values (" + marker + ")");
    for (ClusterNode r : cluster.replicas()) {
      assertThat(cluster.await(r, "select count(*) from " + table + " where n = " + marker, "1",
              Cluster.STREAMING_TIMEOUT))
          .as("marker %d replayed on %s", marker, r.name()).isEqualTo("1");
    }
    List<Set<Long>> rows = new ArrayList<>();
    for (ClusterNode n : cluster.nodes()) {
      rows.add(n.isListed() ? rows(cluster, n, table) : Set.of());
    }
    return rows;
  }

  /** Every value of {@code table} on {@code node}. */
  static Set<Long> rows(Cluster cluster, ClusterNode node, String table) {
    String out = cluster.psql(node, "select n from " + table);
    return out.isEmpty() ? new TreeSet<>()
        : Arrays.stream(out.split("\n")).map(String::trim).map(Long::parseLong)
            .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The values of {@code wanted} missing from {@code have}, at most 20 of them, for messages. */
  static List<Long> missing(Collection<Long> wanted, Set<Long> have) {
    return wanted.stream().filter(v -> !have.contains(v)).limit(20).collect(Collectors.toList());
  }

  /** The {@code pgc_*} slots on {@code node}: {@code name:active}, sorted, comma-separated. */
  static String pgcSlots(Cluster cluster, ClusterNode node) {
    return cluster.psql(node, "select coalesce(string_agg(slot_name || ':' || active, ',' order by slot_name), '')"
        + " from pg_replication_slots where slot_name like 'pgc\\_%'");
  }

  /** The slots the primary must keep: one active {@code pgc_<replica>} per listed replica. */
  static String expectedSlots(Cluster cluster) {
    return cluster.replicas().stream().map(r -> r.slotName() + ":true").sorted()
        .collect(Collectors.joining(","));
  }
}
