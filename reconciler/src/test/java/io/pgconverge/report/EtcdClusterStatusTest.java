package io.pgconverge.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The etcd part of status --cluster as a DBA reads it, in text and in JSON. */
class EtcdClusterStatusTest {
  private static final EtcdClusterStatus PAUSED = new EtcdClusterStatus("/pgconverge/main/", Optional.empty(), Optional.of("node1"),
      Optional.of(24L), Optional.of(30L), Optional.of("by root@ops at 2026-12-02T03:00:00Z"),
      Optional.of("{\"kind\":\"switchover\",\"from\":\"node1\",\"candidate\":\"node2\",\"generation\":1}"),
      Optional.of("node1 (generation 0)"), Optional.of(List.of("node2")), Optional.empty(),
      Map.of("node2", "{\"role\":\"replica\",\"timeline\":1,\"lsn\":5000}", "node1", "{\"role\":\"primary\",\"timeline\":1,\"lsn\":5000}"));

  @Test
  void theTextNamesTheLeaderItsLeasePausedTheRequestAndEachMember() {
    assertThat(PAUSED.text()).isEqualTo("""
        etcd       /pgconverge/main/
        leader     node1 (lease: 24 s left of 30 s, renewed 6 s ago)
        paused     yes, by root@ops at 2026-12-02T03:00:00Z
        request    {"kind":"switchover","from":"node1","candidate":"node2","generation":1}
        preferred  node1 (generation 0)
        sync       node2
        member     node1 {"role":"primary","timeline":1,"lsn":5000}
        member     node2 {"role":"replica","timeline":1,"lsn":5000}
        """);
    assertThat(PAUSED.problems()).isEmpty();
  }

  @Test
  void theJsonCarriesTheKeysAsJson() throws Exception {
    String json = new ObjectMapper().writeValueAsString(PAUSED.json());
    assertThat(json).contains("\"leader\":\"node1\"", "\"lease_ttl_seconds\":24", "\"paused\":true",
        "\"request\":{\"kind\":\"switchover\"", "\"members\":{\"node1\":{\"role\":\"primary\"");
  }

  @Test
  void etcdUnreachableIsAProblemAndALineNotAFailure() {
    EtcdClusterStatus down = EtcdClusterStatus.unreachable("/pgconverge/main/", "etcd unavailable for range: connection refused");
    assertThat(down.text()).isEqualTo("etcd       /pgconverge/main/: UNREACHABLE: etcd unavailable for range: connection refused\n");
    assertThat(down.problems()).containsExactly("etcd cannot be read: etcd unavailable for range: connection refused");
    assertThat(down.json()).containsEntry("reachable", false).containsEntry("paused", null);
  }
}
