package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Under {@code failover.mode: etcd} the file's {@code role: primary} is the preferred primary, and
 * config management pushing a file that names another one is one switchover request, carried out
 * once: three real daemons ({@link FailoverLab}), a poller counting writable servers every 100 ms.
 * Pushing the file that makes node2 preferred makes node2 the primary and bumps etcd's {@code
 * config} generation to 1; pushing the same file again fires nothing; after an operator's
 * {@code switchover --to node3}, the file (still naming node2) is not enforced over and over: node3
 * stays primary.
 */
class PushedPreferredPrimaryScenarioIT extends FailoverScenario {
  private static final java.time.Duration SETTLED = FailoverLab.LOOP_WAIT.multipliedBy(4);

  private void pushPreferred(ClusterNode preferred) {
    for (ClusterNode n : cluster.nodes()) {
      n.role(n == preferred);
    }
    lab.writeDesired();
  }

  /** Until the leader key names {@code node} (bounded): until then the old primary is still healthy, and awaitHealthy would return it. */
  private void awaitLeader(ClusterNode node) {
    boolean named = FailoverLab.await(() -> lab.leader().equals(java.util.Optional.of(node.name())), FailoverLab.TTL.plusSeconds(40));
    assertThat(named).as("the leader key names %s\n%s", node.name(), lab.transcript()).isTrue();
  }

  private String generation() {
    return lab.etcdValue("config").orElse("(no config key)");
  }

  @Test
  @Order(1)
  void aPushedFileNamingNode2AsPrimarySwitchesOverToItOnceAndARePushFiresNothing() {
    ClusterNode first = lab.awaitHealthy(FailoverLab.FORMATION);
    assertThat(first).as("node1, the file's role: primary, bootstraps").isSameAs(lab.node(1));
    assertThat(generation()).as("etcd's config key after the bootstrap").contains("\"preferred\":\"node1\"").contains("\"generation\":0");
    ClusterNode node2 = lab.node(2);
    try (WritableWatch watch = WritableWatch.start(cluster)) {
      pushPreferred(node2);
      awaitLeader(node2);
      ClusterNode primary = lab.awaitHealthy(FailoverLab.TTL.plusSeconds(40));
      assertThat(primary).as("the pushed file's preferred primary is the primary\n%s", lab.transcript()).isSameAs(node2);
      assertThat(generation()).as("one switchover fired, at generation 1").contains("\"preferred\":\"node2\"").contains("\"generation\":1");

      lab.writeDesired(); // the same file again, on every host
      Psql.sleep(SETTLED.toMillis());
      assertThat(lab.leader()).as("a re-push fires nothing").contains("node2");
      assertThat(generation()).as("a re-push writes no new generation").contains("\"generation\":1");
      assertThat(lab.etcdValue("failover")).as("no request is pending").isEmpty();
      lab.assertNeverTwoWritable("pushed preferred primary", watch);
    }
  }

  @Test
  @Order(2)
  void afterAnOperatorsSwitchoverTheUnchangedFileDoesNotSwitchTheClusterBack() {
    ClusterNode node2 = lab.awaitHealthy(FailoverLab.FORMATION);
    ClusterNode node3 = lab.node(3);
    try (WritableWatch watch = WritableWatch.start(cluster)) {
      lab.switchover(node2, node3);
      awaitLeader(node3);
      assertThat(lab.awaitHealthy(FailoverLab.TTL.plusSeconds(40))).as("the operator's switchover").isSameAs(node3);

      lab.writeDesired(); // config management runs again: the file still names node2
      Psql.sleep(SETTLED.toMillis());
      assertThat(lab.leader()).as("the file is a one-shot request, not enforced over and over").contains("node3");
      assertThat(generation()).contains("\"preferred\":\"node2\"").contains("\"generation\":1");
      lab.assertNeverTwoWritable("re-push after a switchover", watch);
    }
  }
}
