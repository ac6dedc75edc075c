package io.pgconverge.desired;

import static io.pgconverge.desired.DesiredStateFixtures.text;
import static io.pgconverge.desired.DesiredStateFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** One table says which settings pgconverge writes itself, their values and where they come from. */
class OwnedSettingTest {
  private static DesiredState replica() {
    // full.yaml: this host is node2, a replica, with its config files outside PGDATA
    return valid(DesiredStateLoader.parse(text("full.yaml"), java.nio.file.Path.of(DesiredStateFixtures.DIR + "full.yaml"), "node2"));
  }

  @Test
  void aReplicaWithSeparateConfigWritesItsOwnedSettingsInTableOrder() {
    DesiredState d = replica();
    assertThat(OwnedSetting.valuesFor(d)).containsExactly(
        java.util.Map.entry("cluster_name", "main"),
        java.util.Map.entry("port", "5433"),
        java.util.Map.entry("unix_socket_directories", "/run/postgresql"),
        java.util.Map.entry("data_directory", "/var/lib/postgresql/15/main"),
        java.util.Map.entry("hba_file", "/etc/postgresql/15/main/pg_hba.conf"),
        java.util.Map.entry("ident_file", "/etc/postgresql/15/main/pg_ident.conf"),
        java.util.Map.entry("primary_conninfo", ReplicationConninfo.primary(d)));
  }

  @Test
  void everyRowIsRefusedInPostgresSettingsWithTheFieldItComesFrom() {
    assertThat(DesiredState.ownedSettingNames())
        .containsExactlyInAnyOrderElementsOf(Arrays.stream(OwnedSetting.values()).map(OwnedSetting::setting).toList());
    assertThat(OwnedSetting.of("ssl_key_file")).map(OwnedSetting::source).contains("postgres.ssl.key_file");
    assertThat(OwnedSetting.of("work_mem")).isEmpty();
  }

  @Test
  void aDriftOfAnOwnedSettingPointsToItsField() {
    DesiredState d = replica();
    assertThat(OwnedSetting.PORT.where(d)).startsWith("peers[1].port");
    assertThat(OwnedSetting.PRIMARY_CONNINFO.where(d)).startsWith("peers[0].host").endsWith(" and replication");
  }

  @Test
  void theReplicasConninfoNamesItsPrimaryAndPassfileButNoPassword() {
    String conninfo = ReplicationConninfo.primary(replica());
    assertThat(conninfo).isEqualTo("host=10.0.0.11 port=5432 user=replicator passfile=/var/lib/postgresql/15/.main.pgpass"
        + " application_name=node2 sslmode=prefer");
    assertThat(ReplicationConninfo.rewind(replica())).isEqualTo(
        "host=10.0.0.11 port=5432 user=pgconverge_rewind dbname=postgres passfile=/var/lib/postgresql/15/.main.pgpass");
  }

}
