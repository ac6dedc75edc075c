package io.pgconverge.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdJsonTest {
  private static JsonNode json(String s) throws Exception {
    return EtcdJson.MAPPER.readTree(s);
  }

  @Test
  void takingTheLeaderKeyIsATxnOnCreateRevisionZeroPuttingOurNameOnOurLease() throws Exception {
    Txn take = new Txn(List.of(new Txn.Compare.CreateRevision("/ns/c/leader", 0)),
        List.of(new Txn.Op.Put("/ns/c/leader", "node1", 7587862072119681234L)),
        List.of(new Txn.Op.Range("/ns/c/leader")));
    assertThat(EtcdJson.txn(take)).isEqualTo(json("""
        {"compare":[{"key":"L25zL2MvbGVhZGVy","result":"EQUAL","target":"CREATE","create_revision":"0"}],
         "success":[{"request_put":{"key":"L25zL2MvbGVhZGVy","value":"bm9kZTE=","lease":"7587862072119681234"}}],
         "failure":[{"request_range":{"key":"L25zL2MvbGVhZGVy"}}]}"""));
  }

  @Test
  void comparesOnValueAndLeaseAndDeletesUnderThem() throws Exception {
    Txn release = new Txn(List.of(new Txn.Compare.Value("k", "node1"), new Txn.Compare.Lease("k", 5)),
        List.of(new Txn.Op.Delete("k")), List.of());
    assertThat(EtcdJson.txn(release)).isEqualTo(json("""
        {"compare":[{"key":"aw==","result":"EQUAL","target":"VALUE","value":"bm9kZTE="},
                    {"key":"aw==","result":"EQUAL","target":"LEASE","lease":"5"}],
         "success":[{"request_delete_range":{"key":"aw=="}}],"failure":[]}"""));
  }

  @Test
  void aCompareAndSwapOnWhatWasReadComparesTheModRevision() throws Exception {
    Txn cas = new Txn(List.of(new Txn.Compare.ModRevision("k", 42)), List.of(new Txn.Op.Put("k", "v", 0)), List.of());
    assertThat(EtcdJson.txn(cas).path("compare")).isEqualTo(json("""
        [{"key":"aw==","result":"EQUAL","target":"MOD","mod_revision":"42"}]"""));
  }

  @Test
  void aPutWithoutLeaseLeavesTheLeaseOut() {
    assertThat(EtcdJson.put("k", "v", 0).has("lease")).isFalse();
  }

  @Test
  void aPrefixRangeEndsAtThePrefixWithItsLastBytePlusOne() {
    assertThat(EtcdJson.unb64(EtcdJson.prefixEnd("/ns/c/members/"))).isEqualTo("/ns/c/members0");
    assertThat(EtcdJson.range("/a/", true).path("range_end").asText()).isEqualTo(EtcdJson.b64("/a0"));
  }

  @Test
  void readsKeysWhoseDefaultFieldsAreLeftOut() throws Exception {
    JsonNode answer = json("""
        {"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"9","raft_term":"4"},
         "kvs":[{"key":"L25zL2MvbGVhZGVy","create_revision":"8","mod_revision":"9","version":"2","value":"bm9kZTI=","lease":"42"},
                {"key":"aw==","create_revision":"3","mod_revision":"3","version":"1"}],"count":"2"}""");
    assertThat(EtcdJson.header(answer)).contains(
        new ResponseHeader("14841639068965178418", "10276657743932975437", 9, 4));
    assertThat(EtcdJson.kvs(answer)).containsExactly(
        new KeyValue("/ns/c/leader", "node2", 8, 9, 2, 42), new KeyValue("k", "", 3, 3, 1, 0));
  }

  @Test
  void aTxnAnswerWithoutSucceededMeansTheCompareFailed() throws Exception {
    JsonNode answer = json("""
        {"header":{"revision":"3","raft_term":"3"},
         "responses":[{"response_range":{"header":{"revision":"3"},
           "kvs":[{"key":"aw==","create_revision":"2","mod_revision":"3","version":"2","value":"YmFy","lease":"77"}],"count":"1"}}]}""");
    Txn.Result r = EtcdJson.txnResult(answer, EtcdJson.header(answer).orElseThrow());
    assertThat(r.succeeded()).isFalse();
    assertThat(r.ranges()).containsExactly(List.of(new KeyValue("k", "bar", 2, 3, 2, 77)));
  }

  @Test
  void streamedAnswersCarryTheirHeaderUnderResult() throws Exception {
    JsonNode keepalive = json("""
        {"result":{"header":{"cluster_id":"1","member_id":"2","revision":"2","raft_term":"6"},"ID":"123","TTL":"5"}}""");
    assertThat(EtcdJson.header(keepalive).orElseThrow().raftTerm()).isEqualTo(6);
  }

  @Test
  void readsGatewayErrorsInBothForms() throws Exception {
    assertThat(EtcdJson.error(json("""
        {"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5}""")))
        .contains(new EtcdJson.GatewayError(5, "etcdserver: requested lease not found"));
    assertThat(EtcdJson.error(json("""
        {"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}}""")))
        .contains(new EtcdJson.GatewayError(14, "etcdserver: no leader"));
    assertThat(EtcdJson.error(json("{\"header\":{\"revision\":\"1\"}}"))).isEmpty();
  }
}
