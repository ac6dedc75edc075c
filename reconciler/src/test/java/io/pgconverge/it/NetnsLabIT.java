package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The namespace harness itself, without pgconverge: hosts in their own namespaces reach each
 * other by address, a server in one namespace tells peers from other addresses by its
 * pg_hba.conf, and closing the lab leaves no namespace, process or directory behind; the
 * certificates and the slowed-down bin directory the cluster ITs use work with the real tools.
 * When this fails, the cluster ITs' failures say nothing about pgconverge.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NetnsLabIT {

  @Test
  void twoNamespacesReachEachOtherByAddressAndCloseRemovesThem() {
    List<String> namespaces;
    try (NetnsLab lab = NetnsLab.create(2)) {
      Assumptions.assumeTrue(lab.isolated(),
          () -> "network namespaces unavailable: " + lab.fallbackReason().orElse("?"));
      Assumptions.assumeTrue(
          Processes.run(List.of("sh", "-c", "command -v ping"), Duration.ofSeconds(10)).exitCode() == 0,
          "ping is not installed (Debian: iputils-ping); reachability is still proven by"
              + " serverInOneNamespaceAcceptsAPeerAddressAndRefusesAnOutsider");
      namespaces = lab.namespaces();
      assertThat(namespaces).hasSize(3).allMatch(n -> n.startsWith("pgc-" + lab.runId() + "-"));
      assertThat(ipNetnsList()).contains(namespaces.toArray(String[]::new));
      assertThat(lab.address(1)).matches("10\\.231\\.[0-9]+\\.1");
      assertThat(lab.address(2)).isEqualTo(lab.address(1).replaceAll("\\.1$", ".2"));

      ProcessResult there = lab.exec(1, "ping", "-c1", "-W1", lab.address(2)).assertExit(0);
      ProcessResult back = lab.exec(2, "ping", "-c1", "-W1", lab.address(1)).assertExit(0);

      assertThat(there.stdout()).contains("1 received");
      assertThat(back.stdout()).contains("1 received");
      assertThat(lab.exec(1, "ip", "-o", "-4", "addr", "show", "dev", "eth0").stdout())
          .contains(lab.address(1) + "/24");
    }
    assertThat(ipNetnsList()).doesNotContain(namespaces.toArray(String[]::new));
  }

  @Test
  void closeKillsWhatStillRunsInsideANamespace() {
    BackgroundProcess sleeper = null;
    try (NetnsLab lab = NetnsLab.create(1)) {
      Assumptions.assumeTrue(lab.isolated(),
          () -> "network namespaces unavailable: " + lab.fallbackReason().orElse("?"));
      sleeper = BackgroundProcess.start(lab.command(1, List.of("sleep", "600")), Map.of());
      long pid = sleeper.pid();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!lab.processesIn(1).contains(pid) && System.nanoTime() < deadline) {
        Psql.sleep(50);
      }
      assertThat(lab.processesIn(1)).contains(pid);

      lab.close();

      assertThat(sleeper.waitForExit(Duration.ofSeconds(10))).as("sleep killed").isTrue();
    } finally {
      if (sleeper != null) {
        sleeper.close();
      }
    }
  }

  @Test
  void serverInOneNamespaceAcceptsAPeerAddressAndRefusesAnOutsider() throws Exception {
    Path root;
    String runId;
    try (Cluster cluster = Cluster.create(2, 1)) {
      root = cluster.root();
      runId = cluster.lab().runId();
      ClusterNode client = cluster.node(1);
      ClusterNode server = cluster.node(2);
      Processes.run(
              PostgresUser.command(
                  List.of(TestHost.PG_BIN.resolve("initdb").toString(), "-D",
                      server.data().toString(), "-A", "peer", "-U", PostgresUser.NAME)),
              Duration.ofSeconds(60))
          .assertExit(0);
      Files.writeString(server.hbaConf(),
          "local all all peer\nhost all postgres " + client.address() + "/32 trust\n");
      cluster.pgCtl(server, "-l", server.dir().resolve("server.log").toString(),
              "-o", "-c listen_addresses=* -p " + server.port() + " -k " + server.socketDir(),
              "-w", "-t", "60", "start")
          .assertExit(0);
      String conninfo = "host=" + server.address() + " port=" + server.port()
          + " user=postgres dbname=postgres sslmode=disable";

      assertThat(cluster.psql(server, "select 1")).as("Unix socket from the root namespace")
          .isEqualTo("1");
      ProcessResult fromPeer =
          cluster.psqlFromHost(client.index(), conninfo, "unused", "select inet_client_addr()")
              .assertExit(0);
      assertThat(fromPeer.stdout().trim()).isEqualTo(client.address());

      if (cluster.lab().isolated()) {
        int outsider = cluster.outsiderHost(1);
        ProcessResult fromOutsider =
            cluster.psqlFromHost(outsider, conninfo, "unused", "select inet_client_addr()");
        assertThat(fromOutsider.exitCode()).as(fromOutsider.describe()).isNotZero();
        assertThat(fromOutsider.stderr())
            .contains("no pg_hba.conf entry")
            .contains(cluster.lab().address(outsider));
      } else {
        System.out.println("loopback fallback: every host is 127.0.0.1, outsider refusal not tested");
      }
      // the server is left running on purpose: close() must stop it
    }
    assertThat(root).doesNotExist();
    assertThat(ProcTable.withCommandLineContaining(root.toString())).isEmpty();
    assertThat(ipNetnsList()).doesNotContain("pgc-" + runId);
  }

  @Test
  void testCertificatesPassVerifyFullFromAnotherNamespace() throws Exception {
    try (Cluster cluster = Cluster.create(2)) {
      cluster.enableTls();
      ClusterNode server = cluster.node(1);
      ClusterNode client = cluster.node(2);
      TestCertificates.Pair tls = server.tls().orElseThrow();
      Processes.run(
              PostgresUser.command(
                  List.of(TestHost.PG_BIN.resolve("initdb").toString(), "-D",
                      server.data().toString(), "-A", "peer", "-U", PostgresUser.NAME)),
              Duration.ofSeconds(60))
          .assertExit(0);
      Files.writeString(server.hbaConf(),
          "local all all peer\nhostssl all postgres " + client.address() + "/32 trust\n");
      Files.writeString(server.postgresqlConf(),
          "ssl = on\nssl_cert_file = '" + tls.certFile() + "'\nssl_key_file = '" + tls.keyFile()
              + "'\n",
          java.nio.file.StandardOpenOption.APPEND);
      cluster.pgCtl(server, "-l", server.dir().resolve("server.log").toString(),
              "-o", "-c listen_addresses=* -p " + server.port() + " -k " + server.socketDir(),
              "-w", "-t", "60", "start")
          .assertExit(0);

      ProcessResult verified = cluster.psqlFromHost(client.index(),
              "host=" + server.address() + " port=" + server.port()
                  + " user=postgres dbname=postgres sslmode=verify-full sslrootcert="
                  + tls.caFile(),
              "unused", "select ssl from pg_stat_ssl where pid = pg_backend_pid()")
          .assertExit(0);

      assertThat(verified.stdout().trim()).isEqualTo("t");
    }
  }

  @Test
  void slowBaseBackupBinRunsTheRealToolsThroughSymlinksAndAWrapper() throws Exception {
    Path dir = Files.createTempDirectory("pgc-slow-bin-");
    try {
      Path bin = ReplicaBootstrapKillIT.slowBaseBackupBin(dir.resolve("bin"));
      assertThat(Files.isSymbolicLink(bin.resolve("pg_ctl"))).isTrue();
      assertThat(Files.isSymbolicLink(bin.resolve("pg_basebackup"))).isFalse();
      assertThat(Processes.run(List.of(bin.resolve("pg_basebackup").toString(), "--version"),
              Duration.ofSeconds(10)).assertExit(0).stdout())
          .contains("pg_basebackup (PostgreSQL)");
      assertThat(Processes.run(List.of(bin.resolve("postgres").toString(), "--version"),
              Duration.ofSeconds(10)).assertExit(0).stdout())
          .contains("postgres (PostgreSQL)");
    } finally {
      TestHost.deleteTree(dir);
    }
  }

  @Test
  void loopbackLabRunsCommandsUnchangedOnLocalhost() {
    String before = System.getProperty("pgconverge.it.netns");
    System.setProperty("pgconverge.it.netns", "false");
    try (NetnsLab lab = NetnsLab.create(3)) {
      assertThat(lab.isolated()).isFalse();
      assertThat(lab.fallbackReason()).isPresent();
      assertThat(lab.namespaces()).isEmpty();
      assertThat(lab.address(3)).isEqualTo("127.0.0.1");
      assertThat(lab.command(2, List.of("true"))).containsExactly("true");
      lab.exec(2, "true").assertExit(0);
    } finally {
      if (before == null) {
        System.clearProperty("pgconverge.it.netns");
      } else {
        System.setProperty("pgconverge.it.netns", before);
      }
    }
  }

  private static String ipNetnsList() {
    return Processes.run(List.of("ip", "netns", "list"), Duration.ofSeconds(10)).stdout();
  }
}
