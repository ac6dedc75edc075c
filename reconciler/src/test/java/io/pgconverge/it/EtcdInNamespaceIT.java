package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The harness for daemons that run inside network namespaces: a three-member etcd started inside
 * one lab host's namespace ({@link EtcdCluster#startIn}) is reachable from another lab host's
 * namespace, as a daemon on a node would reach it, and {@link EtcdCluster#etcdctl} reads it there.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdInNamespaceIT {
  @Test
  void anEtcdStartedInsideOneHostsNamespaceAnswersAWriteFromAnotherHostsNamespace() throws Exception {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    try (NetnsLab lab = NetnsLab.create(2)) {
      Assumptions.assumeTrue(lab.isolated(), "needs network namespaces: " + lab.fallbackReason().orElse(""));
      try (EtcdCluster etcd = EtcdCluster.startIn(lab, 2)) {
        assertThat(etcd.endpoints()).allMatch(u -> u.getHost().equals(lab.address(2)));
        String endpoints = String.join(",", etcd.endpoints().stream().map(Object::toString).toList());
        ProcessResult put = lab.exec(1, List.of("/usr/bin/etcdctl", "--endpoints", endpoints, "put", "/it/greeting", "hello"),
            Map.of("ETCDCTL_API", "3"), Duration.ofSeconds(20));
        assertThat(put.exitCode()).as("etcdctl put from host 1: %s", put).isZero();
        assertThat(etcd.value("/it/greeting")).contains("hello");
        assertThat(etcd.value("/it/nothing")).isEmpty();
        assertThat(lab.processesIn(2)).as("the three members run inside host 2's namespace")
            .contains(etcd.pid(0), etcd.pid(1), etcd.pid(2));
      }
    }
  }
}
