package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * After a failover (node1's host died, node2 promoted, node3 following), the dead host comes back
 * with writes it took alone: node1's server was started by hand while its link was still down
 * and took rows. Pushed the file that lists it again as a replica, its reconciler stops it,
 * rewinds it from node2 (reporting the WAL it threw away) and it streams from node2.
 *
 * <p>Then the same again with pg_rewind made to fail (node1's {@code postgres.bin} is a
 * directory whose {@code pg_rewind} exits 1 as when no common ancestor is found): with {@code
 * policy.reclone: never} nothing is touched and the server stays stopped; with {@code
 * move-aside} the old PGDATA is renamed beside a fresh copy, which streams.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RejoinIT {
  private static final String TABLE = FailoverIT.TABLE;

  private Cluster cluster;
  private Daemons daemons;
  private String broken;

  @BeforeAll
  void failedOverCluster() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    cluster = Cluster.create(3);
    Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: "
        + cluster.lab().fallbackReason().orElse(""));
    daemons = new Daemons(cluster);
    FailoverIT.convergeWithRows(cluster, daemons);
    ClusterNode node1 = cluster.node(1);
    ClusterNode node2 = cluster.node(2);
    ClusterNode node3 = cluster.node(3);
    FailoverIT.killHost(cluster, node1);
    node1.role(false).listed(false);
    node2.role(true);
    cluster.writeDesired(node2, node3);
    daemons.applyOnce(node2).result().assertExit(2);
    daemons.applyOnce(node3).result().assertExit(0, 2);
    RoleChecks.assertAllStreamFrom(cluster, node2);
  }

  @AfterAll
  void removeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void deadHostBackWithLoneWritesIsRewoundAndStreamsFromTheNewPrimary() {
    broken = "the first rejoin failed";
    comeBackWithLoneWritesAndRejoin(cluster, daemons);
    broken = null;
  }

  /**
   * node1 (dead: server stopped, link cut, not listed; node2 the primary, node3 its replica) is
   * started by hand while still cut off and takes rows 5001..5010 alone, node2 takes 6001..6010;
   * then its link comes back and every host gets the file listing node1 as a replica. Checks that
   * node1 stepped down, was rewound (the discarded WAL reported), streams from node2 and lost its
   * lone rows.
   */
  static void comeBackWithLoneWritesAndRejoin(Cluster cluster, Daemons daemons) {
    ClusterNode node1 = cluster.node(1);
    ClusterNode node2 = cluster.node(2);
    ClusterNode node3 = cluster.node(3);
    cluster.pgCtl(node1, "-w", "-t", "60", "-l", node1.dir().resolve("alone.log").toString(), "start")
        .assertExit(0);
    assertThat(cluster.psql(node1, "select pg_is_in_recovery()")).as("node1 is back as a primary").isEqualTo("f");
    cluster.psql(node1, "insert into " + TABLE + " select generate_series(5001, 5010)");
    cluster.psql(node2, "insert into " + TABLE + " select generate_series(6001, 6010)");
    System.out.println("node2's last checkpoint is on timeline "
        + cluster.psql(node2, "select timeline_id from pg_control_checkpoint()") + "; its WAL on timeline "
        + cluster.psql(node2, "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int"));

    cluster.restoreLink(node1);
    node1.listed(true);
    cluster.writeDesired();
    daemons.reset();
    daemons.untilStable(List.of(node2, node3, node1));

    assertThat(daemons.said(node1, "stepping down|step down")).as(daemons.transcript()).isTrue();
    List<String> discarded = daemons.linesOf(node1).stream().filter(l -> l.contains("was discarded")).toList();
    System.out.println("node1's rewind report: " + discarded);
    String node1Now = "node1 now: rows it took alone still there: "
        + cluster.tryPsql(node1, "select count(*) from " + TABLE + " where n between 5001 and 5010").output().trim()
        + "; in recovery: " + cluster.tryPsql(node1, "select pg_is_in_recovery()").output().trim()
        + "; wal receiver: " + cluster.tryPsql(node1, "select status from pg_stat_wal_receiver").output().trim();
    System.out.println(node1Now);
    assertThat(discarded).as("node1's apply reports the WAL its rewind threw away\n" + node1Now + "\n"
            + daemons.transcript())
        .anyMatch(l -> l.matches(".*histories diverged at [0-9A-F]+/[0-9A-F]+ on timeline 1;"
            + " local WAL from [0-9A-F]+/[0-9A-F]+ to [0-9A-F]+/[0-9A-F]+ on timeline 1 was discarded.*"));

    assertThat(cluster.psql(node1, "select count(*) from " + TABLE + " where n between 5001 and 5010"))
        .as("the rows node1 took alone are gone").isEqualTo("0");
    RoleChecks.assertInRecovery(cluster, node1);
    RoleChecks.assertAllStreamFrom(cluster, node2);
    assertThat(cluster.psql(node2, Cluster.streamingReplicasSql())).isEqualTo("node1,node3");
    RoleChecks.rowsEverywhereAfterReplay(cluster, TABLE, 9001);
    assertThat(cluster.psql(node1, "select count(*) from " + TABLE + " where n between 6001 and 6010"))
        .as("node2's rows are on node1").isEqualTo("10");
    assertThat(RoleChecks.pgcSlots(cluster, node1))
        .as("node1, a replica now, dropped the slots it kept as primary").isEmpty();
  }

  @Test
  @Order(2)
  void rewindImpossibleWithRecloneNeverIsReportedAndTouchesNothing() throws IOException {
    Assumptions.assumeTrue(broken == null, broken);
    ClusterNode node1 = cluster.node(1);
    broken = "the reclone: never case failed";
    divergeAgain(node1, 7001);
    node1.pgBin(failingRewindBin(cluster.root().resolve("no-rewind-bin")));
    cluster.writeDesired(node1);
    Map<String, Long> before = tree(node1.data());

    daemons.reset();
    for (int i = 0; i < 2; i++) {
      ProcessResult r = daemons.applyOnce(node1).result();
      assertThat(r.exitCode()).as(r.describe()).isIn(4, 6);
      assertThat(r.output()).as("the failed rewind is reported, every run\n" + r.describe())
          .contains("pg_rewind")
          .containsIgnoringCase("could not find common ancestor")
          .contains("policy.reclone is never");
    }

    assertThat(tree(node1.data())).as("PGDATA untouched").isEqualTo(before);
    assertThat(node1.data().resolve("postmaster.pid")).as("the server stays stopped").doesNotExist();
    assertThat(cluster.pgCtl(node1, "status").exitCode()).as("pg_ctl status: no server running").isEqualTo(3);
    assertThat(movedAside(node1)).as("nothing moved aside").isEmpty();
    broken = null;
  }

  @Test
  @Order(3)
  void rewindImpossibleWithRecloneMoveAsideRenamesTheOldDataBesideAFreshCopy() throws IOException {
    Assumptions.assumeTrue(broken == null, broken);
    ClusterNode node1 = cluster.node(1);
    ClusterNode node2 = cluster.node(2);
    ClusterNode node3 = cluster.node(3);
    if (!Files.isDirectory(cluster.root().resolve("no-rewind-bin"))) {
      divergeAgain(node1, 7001);
      node1.pgBin(failingRewindBin(cluster.root().resolve("no-rewind-bin")));
    }
    String systemId = cluster.psql(node2, "select system_identifier from pg_control_system()");

    cluster.reclone("move-aside");
    cluster.writeDesired();
    daemons.reset();
    daemons.untilStable(List.of(node2, node3, node1));

    List<Path> aside = movedAside(node1);
    assertThat(aside).as("one old PGDATA renamed beside the new one\n" + daemons.transcript()).hasSize(1);
    assertThat(aside.get(0).getFileName().toString()).matches("data\\.pgconverge-old-[0-9]{8}-[0-9]{6}");
    assertThat(aside.get(0).resolve("PG_VERSION")).exists();
    assertThat(aside.get(0).resolve("global/pg_control")).exists();
    assertThat(daemons.said(node1, "moved to .*pgconverge-old-")).as(daemons.transcript()).isTrue();

    RoleChecks.assertInRecovery(cluster, node1);
    RoleChecks.assertAllStreamFrom(cluster, node2);
    assertThat(cluster.psql(node1, "select system_identifier from pg_control_system()")).isEqualTo(systemId);
    RoleChecks.rowsEverywhereAfterReplay(cluster, TABLE, 9002);
    assertThat(cluster.psql(node1, "select count(*) from " + TABLE + " where n between 7001 and 7010"))
        .as("the rows node1 took alone are not in the fresh copy").isEqualTo("0");

    Daemons.Run movedRun = daemons.runs().stream()
        .filter(r -> r.node() == node1 && r.result().output().contains("pgconverge-old-"))
        .findFirst().orElseThrow();
    assertThat(movedRun.result().output())
        .as("the run that moved PGDATA aside takes the fresh base backup in the same run, leaving no"
            + " run-to-run window without PGDATA\n" + movedRun.result().describe())
        .contains("pg_basebackup from " + node2.name());
    broken = null;
  }

  /**
   * node1 (a streaming replica) is cut off, promoted by hand, takes rows {@code first..first+9}
   * alone and is stopped by hand; then its link comes back.
   */
  private void divergeAgain(ClusterNode node1, long first) {
    cluster.cutLink(node1);
    cluster.pgCtl(node1, "-w", "-t", "60", "promote").assertExit(0);
    assertThat(cluster.await(node1, "select pg_is_in_recovery()", "f", Cluster.STREAMING_TIMEOUT)).isEqualTo("f");
    cluster.psql(node1, "insert into " + TABLE + " select generate_series(" + first + ", " + (first + 9) + ")");
    cluster.stopServer(node1);
    cluster.restoreLink(node1);
  }

  private static List<Path> movedAside(ClusterNode node) throws IOException {
    try (Stream<Path> s = Files.list(node.dir())) {
      return s.filter(p -> p.getFileName().toString().startsWith("data.pgconverge-old-")).sorted()
          .collect(Collectors.toList());
    }
  }

  /** Every regular file under {@code dir}: relative path to size and CRC32 of its content. */
  private static Map<String, Long> tree(Path dir) throws IOException {
    Map<String, Long> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
        CRC32 crc = new CRC32();
        crc.update(Files.readAllBytes(p));
        out.put(dir.relativize(p) + " (" + Files.size(p) + " bytes)", crc.getValue());
      }
    }
    return out;
  }

  /**
   * A bin directory with a symlink to every file of the real one, except {@code pg_rewind}: a
   * script that fails as pg_rewind does when the two clusters have no common ancestor.
   */
  static Path failingRewindBin(Path dir) {
    return binWithRewind(dir, "#!/bin/sh\n"
        + "case \"$1\" in -V|--version) exec " + TestHost.PG_BIN.resolve("pg_rewind") + " \"$@\";; esac\n"
        + "echo \"pg_rewind: error: could not find common ancestor of the source and target cluster's"
        + " timelines\" >&2\nexit 1\n");
  }

  /** A bin directory with a symlink to every file of the real one, except {@code pg_rewind}: {@code script}. */
  static Path binWithRewind(Path dir, String script) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      try (Stream<Path> files = Files.list(TestHost.PG_BIN)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (!f.getFileName().toString().equals("pg_rewind")) {
            Files.createSymbolicLink(dir.resolve(f.getFileName()), f);
          }
        }
      }
      Path wrapper = dir.resolve("pg_rewind");
      Files.writeString(wrapper, script);
      Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
