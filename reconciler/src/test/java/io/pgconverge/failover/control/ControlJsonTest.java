package io.pgconverge.failover.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.KeyValue;
import io.pgconverge.failover.ClusterRequests.ClusterState;
import io.pgconverge.failover.ClusterRequests.Pending;
import io.pgconverge.failover.ClusterRequests.Preferred;
import io.pgconverge.failover.FailoverFacts.Member;
import io.pgconverge.failover.FailoverFacts.Request;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The keys' JSON both ways, as the agents read and write it; a key that is not JSON is read as absent, never a failure. */
class ControlJsonTest {
  private static final ClusterKeys KEYS = new ClusterKeys("/pgconverge", "main");

  private static KeyValue kv(String key, String value) {
    return new KeyValue(key, value, 1, 1, 1, 0);
  }

  @Test
  void aSwitchoverNamesFromCandidateAndGenerationAndAFailoverMayAllowDataLoss() {
    assertThat(ControlJson.request(new Request(Request.Kind.SWITCHOVER, Optional.of("node1"), "node2", 3), false))
        .isEqualTo("{\"kind\":\"switchover\",\"from\":\"node1\",\"candidate\":\"node2\",\"generation\":3}");
    assertThat(ControlJson.request(new Request(Request.Kind.FAILOVER, Optional.empty(), "node2", 0), true))
        .isEqualTo("{\"kind\":\"failover\",\"candidate\":\"node2\",\"generation\":0,\"allow_data_loss\":true}");
    Request r = new Request(Request.Kind.FAILOVER, Optional.empty(), "node3", 9);
    assertThat(ControlJson.pending(ControlJson.request(r, true))).hasValue(new Pending(r, true));
  }

  @Test
  void everyKeyOfTheClusterIsReadIntoOneState() {
    ClusterState s = ControlJson.state(KEYS, List.of(
        kv(KEYS.leader(), "node1"),
        kv(KEYS.initialize(), "node1"),
        kv(KEYS.member("node1"), "{\"role\":\"primary\",\"timeline\":2,\"lsn\":123}"),
        kv(KEYS.member("node2"), "not json"),
        kv(KEYS.pause(), ControlJson.pause("root@ops", "2026-12-02T03:00:00Z")),
        kv(KEYS.failover(), "{\"kind\":\"switchover\",\"from\":\"node1\",\"candidate\":\"node2\",\"generation\":1}"),
        kv(KEYS.config(), ControlJson.config(new Preferred("node2", 1))),
        kv(KEYS.sync(), "{\"members\":[\"node2\",\"node3\"]}")));
    assertThat(s.leader()).hasValue("node1");
    assertThat(s.initialized()).isTrue();
    assertThat(s.members()).containsEntry("node1", new Member("primary", 2, 123)).containsEntry("node2", new Member("unknown", 0, 0));
    assertThat(s.pause()).hasValue("by root@ops at 2026-12-02T03:00:00Z");
    assertThat(s.request()).hasValue(new Pending(new Request(Request.Kind.SWITCHOVER, Optional.of("node1"), "node2", 1), false));
    assertThat(s.config()).hasValue(new Preferred("node2", 1));
    assertThat(s.sync()).hasValue(List.of("node2", "node3"));
  }

  @Test
  void malformedRequestConfigAndSyncKeysAreReadAsAbsent() {
    ClusterState s = ControlJson.state(KEYS, List.of(kv(KEYS.failover(), "{\"kind\":\"switchover\"}"), kv(KEYS.config(), "[]"),
        kv(KEYS.sync(), "")));
    assertThat(s.request()).isEmpty();
    assertThat(s.config()).isEmpty();
    assertThat(s.sync()).isEmpty();
    assertThat(s.leader()).isEmpty();
    assertThat(s.paused()).isFalse();
  }
}
