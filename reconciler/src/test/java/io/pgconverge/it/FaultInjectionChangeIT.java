package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FaultInjectionIT}'s kills of the reconciler during a change to a converged host (a
 * config-only change, an hba-only change, a role change, a restart after a crash) and during a
 * replica's copy: one more run converges with no manual step, checked as a DBA would. A class of
 * its own so that the two test JVMs run it beside {@link FaultInjectionIT}'s bootstrap points.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class FaultInjectionChangeIT {
  @ParameterizedTest(name = "{0}")
  @MethodSource("io.pgconverge.it.FaultInjectionIT#changeCases")
  void oneMoreRunConvergesAfterTheReconcilerWasKilled(FaultInjectionIT.Case k) throws Exception {
    FaultInjectionIT.oneMoreRunConverges(k);
  }

  /** A replica's copy killed at each of its points (pg_basebackup left running or not): the next run copies again. */
  @Test
  void aReplicaCopyKilledAtEachPointIsFinishedByTheNextRun() throws Exception {
    try (Cluster cluster = Cluster.create(2)) {
      ClusterNode primary = cluster.primary();
      ClusterNode replica = cluster.node(2);
      cluster.apply(primary).assertExit(2);
      cluster.psql(primary, "create table committed_before (id int); insert into committed_before values (1)");
      for (String point : List.of("before:WritePassfile", "before:BaseBackup", "basebackup:started", "basebackup:done",
          "bootstrap:before-rename", "bootstrap:after-rename", "after:BaseBackup", "after:StartServer")) {
        ProcessResult killed = Processes.run(cluster.lab().command(replica.index(),
                Cli.command(List.of("apply", "--config", replica.desiredStateFile().toString()))),
            Map.of("PGCONVERGE_TEST_CRASH_AT", point), Cli.TIMEOUT);
        assertThat(killed.output()).as(killed.describe()).contains("TEST crash hook: SIGKILL at " + point);
        ProcessResult again = cluster.apply(replica);
        assertThat(again.exitCode()).as("%s: one more run converges\n%s", point, again.describe()).isIn(0, 2);
        cluster.awaitAllStreaming();
        assertThat(cluster.await(replica, "select count(*) from committed_before", "1", Duration.ofSeconds(30))).isEqualTo("1");
        assertThat(cluster.check(replica).exitCode()).as(point).isZero();
        assertThat(replica.stagingDir()).doesNotExist();
        assertThat(ProcTable.withCommandLineContaining(replica.stagingDir().toString())).as(point).isEmpty();
        assertThat(cluster.psql(primary, "select count(*) from pg_replication_slots where slot_name like 'pg\\_basebackup\\_%'"))
            .as("%s: no temporary slot of a killed copy on the primary", point).isEqualTo("0");
        assertThat(FaultInjectionIT.tempFiles(replica.dir())).as(point).isEmpty();
        // the next point starts from an empty replica again
        Processes.run(PostgresUser.command(List.of(TestHost.PG_BIN.resolve("pg_ctl").toString(), "-D", replica.data().toString(),
            "-m", "immediate", "-w", "stop")), Duration.ofSeconds(60)).assertExit(0);
        TestHost.deleteTree(replica.data());
        System.out.println("replica copy killed at " + point + ": converged with one more run");
      }
    }
  }
}
