package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With {@code postgres.ssl} in the desired state (a CA and one certificate per node made by the
 * test, each naming its node's IP), every server runs with {@code ssl = on}, the replication hba
 * lines are {@code hostssl}, and replicas stream over TLS with {@code sslmode=verify-full}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TlsReplicationIT {

  @Test
  void replicasStreamOverVerifiedTlsConnections() {
    try (Cluster cluster = Cluster.create(3)) {
      cluster.enableTls();

      cluster.apply(cluster.primary()).assertExit(2);
      for (ClusterNode replica : cluster.replicas()) {
        cluster.apply(replica).assertExit(2);
      }
      cluster.awaitAllStreaming();

      for (ClusterNode n : cluster.nodes()) {
        assertThat(cluster.psql(n, "show ssl")).as("ssl on %s", n.name()).isEqualTo("on");
        assertThat(cluster.psql(n,
                "select count(*) from pg_hba_file_rules"
                    + " where 'replication' = any(database) and type <> 'hostssl'"))
            .as("every replication hba line of %s is hostssl", n.name())
            .isEqualTo("0");
      }
      assertThat(cluster.psql(cluster.primary(),
              "select string_agg(application_name || ':' || ssl, ',' order by application_name)"
                  + " from pg_stat_ssl join pg_stat_replication using (pid)"))
          .isEqualTo("node2:true,node3:true");
      for (ClusterNode replica : cluster.replicas()) {
        assertThat(cluster.psql(replica, "show primary_conninfo"))
            .containsPattern("sslmode\\s*=\\s*'?verify-full'?")
            .contains(cluster.primary().address());
      }
    }
  }
}
