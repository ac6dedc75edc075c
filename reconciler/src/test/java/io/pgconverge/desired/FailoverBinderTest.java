package io.pgconverge.desired;

import static io.pgconverge.desired.DesiredStateFixtures.problems;
import static io.pgconverge.desired.DesiredStateFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.desired.FailoverSpec.Mode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code failover:} section and {@code failover_priority}, as a DBA would write them and get them wrong. */
class FailoverBinderTest {
  private static final String BASE = """
      version: 1
      cluster: main
      peers:
        - {name: node1, host: 10.0.0.11, role: primary, failover_priority: 50}
        - {name: node2, host: 10.0.0.12, role: replica}
        - {name: node3, host: 10.0.0.13, role: replica, failover_priority: 0}
      postgres:
        data: /var/lib/postgresql/15/main
        hba:
          - local all postgres peer
          - host replication replicator peers scram-sha-256
      roles:
        - {name: replicator, login: true, replication: true}
      replication:
        user: replicator
        password_file: /etc/pgconverge/replicator.password
      """;

  private static LoadResult withFailover(String section) {
    return DesiredStateFixtures.parse(BASE + section, "desired-state.yaml", SplittingHbaParser.INSTANCE);
  }

  private static final String ETCD = """
      failover:
        mode: etcd
        etcd:
          endpoints: [http://127.0.0.1:2379, http://127.0.0.1:2381]
      """;

  @Test
  void noSectionMeansTheFileDecidesWithPatronisTimings() {
    FailoverSpec spec = valid(withFailover("")).failover();

    assertThat(spec.mode()).isEqualTo(Mode.FILE);
    assertThat(spec.etcdMode()).isFalse();
    assertThat(spec.ttl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(spec.loopWait()).isEqualTo(Duration.ofSeconds(10));
    assertThat(spec.retryTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(spec.maximumLagBytes()).isEqualTo(1024 * 1024);
    assertThat(spec.failsafe()).isFalse();
  }

  @Test
  void aPeerWithoutPriorityHasOneAndZeroMeansNeverPromoted() {
    FailoverSpec spec = valid(withFailover(ETCD)).failover();

    assertThat(spec.priority("node1")).isEqualTo(50);
    assertThat(spec.priority("node2")).isEqualTo(1);
    assertThat(spec.priority("node3")).isZero();
  }

  @Test
  void bindsEveryKeyOfTheIssuesContract() {
    FailoverSpec spec = valid(withFailover("""
        failover:
          mode: etcd
          etcd:
            endpoints: [https://10.0.0.21:2379, https://10.0.0.22:2379, 'https://[fd00::23]:2379']
            namespace: /db/pgconverge
            ca_file: /etc/pgconverge/etcd/ca.crt
            cert_file: /etc/pgconverge/etcd/client.crt
            key_file: /etc/pgconverge/etcd/client.key
            user: pgconverge
            password_file: /etc/pgconverge/etcd.password
          ttl: 30s
          loop_wait: 10s
          retry_timeout: 10s
          maximum_lag: 16MB
          failsafe: true
        """)).failover();

    assertThat(spec.mode()).isEqualTo(Mode.ETCD);
    FailoverSpec.Etcd etcd = spec.etcd().orElseThrow();
    assertThat(etcd.endpoints()).containsExactly(URI.create("https://10.0.0.21:2379"), URI.create("https://10.0.0.22:2379"),
        URI.create("https://[fd00::23]:2379"));
    assertThat(etcd.namespace()).isEqualTo("/db/pgconverge");
    assertThat(etcd.caFile()).contains(Path.of("/etc/pgconverge/etcd/ca.crt"));
    assertThat(etcd.certFile()).contains(Path.of("/etc/pgconverge/etcd/client.crt"));
    assertThat(etcd.keyFile()).contains(Path.of("/etc/pgconverge/etcd/client.key"));
    assertThat(etcd.user()).contains("pgconverge");
    assertThat(etcd.passwordFile()).contains(Path.of("/etc/pgconverge/etcd.password"));
    assertThat(spec.maximumLagBytes()).isEqualTo(16L * 1024 * 1024);
    assertThat(spec.failsafe()).isTrue();
  }

  @Test
  void theNamespaceDefaultsToPgconvergeAndShortTimingsForTestsAreAccepted() {
    FailoverSpec spec = valid(withFailover(ETCD + "  ttl: 10s\n  loop_wait: 2s\n  retry_timeout: 3s\n  maximum_lag: 1048576\n")).failover();

    assertThat(spec.etcd().orElseThrow().namespace()).isEqualTo("/pgconverge");
    assertThat(spec.ttl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(spec.loopWait()).isEqualTo(Duration.ofSeconds(2));
    assertThat(spec.retryTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(spec.maximumLagBytes()).isEqualTo(1048576);
  }

  @Test
  void refusesTimingsWhereAMissedLoopAndTwoRetriesOutliveTheLease() {
    assertThat(problems(withFailover(ETCD + "  ttl: 20s\n  loop_wait: 10s\n  retry_timeout: 6s\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:21:8: failover.ttl: loop_wait + 2 × retry_timeout must not exceed ttl,"
            + " so a primary that misses a loop and two retries still renews its lease in time: 10s + 2 × 6s = 22s > ttl 20s");
    assertThat(problems(withFailover(ETCD + "  loop_wait: 15s\n")))
        .singleElement().asString().contains(":21:14: failover.loop_wait: ").contains("15s + 2 × 10s = 35s > ttl 30s");
  }

  @Test
  void refusesAModeThatIsNotFileOrEtcdAndTheYaml11BooleansForIt() {
    assertThat(problems(withFailover("failover:\n  mode: on\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:18:9: failover.mode: must be file or etcd, got on");
    assertThat(problems(withFailover("failover:\n  mode: consul\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:18:9: failover.mode: must be file or etcd, got \"consul\"");
  }

  @Test
  void modeEtcdNeedsEndpoints() {
    assertThat(problems(withFailover("failover:\n  mode: etcd\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:18:3: failover.etcd: required under mode: etcd (its endpoints at least)");
    assertThat(problems(withFailover("failover:\n  mode: etcd\n  etcd: {namespace: /x}\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:19:9: failover.etcd.endpoints: required key \"endpoints\" is missing");
    assertThat(problems(withFailover("failover:\n  mode: etcd\n  etcd: {endpoints: []}\n")))
        .singleElement().asString().contains(":19:21: failover.etcd.endpoints: must be a list of at least one URL").endsWith("got an empty list");
  }

  @Test
  void refusesEndpointsThatAreNotHostAndPortOfOneScheme() {
    assertThat(problems(withFailover(ETCD.replace("http://127.0.0.1:2381", "http://127.0.0.1:2381/v3"))))
        .containsExactly("/etc/pgconverge/desired-state.yaml:20:40: failover.etcd.endpoints[1]: must be http://HOST:PORT or"
            + " https://HOST:PORT (no path, user or query), got \"http://127.0.0.1:2381/v3\"");
    assertThat(problems(withFailover(ETCD.replace("http://127.0.0.1:2381", "https://127.0.0.1:2381"))))
        .singleElement().asString().contains("failover.etcd.endpoints[1]: all endpoints must use the same scheme, got http and https");
    assertThat(problems(withFailover(ETCD.replace("http://127.0.0.1:2381", "http://u:p@127.0.0.1:2381"))))
        .singleElement().asString().contains("failover.etcd.endpoints[1]: must be http://HOST:PORT");
    assertThat(problems(withFailover(ETCD.replace("http://127.0.0.1:2381", "127.0.0.1:2381"))))
        .singleElement().asString().contains("failover.etcd.endpoints[1]: must be http://HOST:PORT");
    assertThat(problems(withFailover(ETCD.replace("http://127.0.0.1:2381", "http://127.0.0.1:2379"))))
        .singleElement().asString().contains("failover.etcd.endpoints[1]: \"http://127.0.0.1:2379\" is listed twice");
  }

  @Test
  void tlsAndAuthenticationFilesComeInPairsAndTlsNeedsHttps() {
    String https = ETCD.replace("http://", "https://");
    assertThat(problems(withFailover(https)))
        .singleElement().asString().contains(":20:5: failover.etcd.endpoints: https endpoints need failover.etcd.ca_file");
    assertThat(problems(withFailover(ETCD + "    ca_file: /etc/pgconverge/ca.crt\n")))
        .singleElement().asString().contains(":21:14: failover.etcd.ca_file: is only used with https endpoints");
    assertThat(problems(withFailover(https + "    ca_file: /etc/pgconverge/ca.crt\n    cert_file: /etc/pgconverge/c.crt\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:22:16: failover.etcd.cert_file: needs failover.etcd.key_file too");
    assertThat(problems(withFailover(ETCD + "    password_file: /etc/pgconverge/etcd.password\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:21:20: failover.etcd.password_file: needs failover.etcd.user too");
    assertThat(problems(withFailover(ETCD + "    user: pgc\n    password_file: etc/etcd.password\n")))
        .singleElement().asString().contains(":22:20: failover.etcd.password_file: ");
  }

  @Test
  void refusesAWrongNamespaceTtlLagFailsafeAndUnknownKeys() {
    assertThat(problems(withFailover(ETCD.replace("    endpoints", "    namespace: pgconverge/\n    endpoints"))))
        .singleElement().asString().contains(":20:16: failover.etcd.namespace: must be a key prefix such as /pgconverge");
    assertThat(problems(withFailover(ETCD + "  ttl: 1s\n  loop_wait: 1s\n  retry_timeout: 1s\n")))
        .first().asString().contains(":21:8: failover.ttl: must be at least 2s, got 1s");
    assertThat(problems(withFailover(ETCD + "  ttl: 1500ms\n  loop_wait: 1s\n  retry_timeout: 1s\n")))
        .singleElement().asString().contains(":21:8: failover.ttl: must be at least 2s");
    assertThat(problems(withFailover(ETCD + "  ttl: 20500ms\n")))
        .first().asString().contains(":21:8: failover.ttl: must be whole seconds (an etcd lease is granted in seconds), got 20500ms");
    assertThat(problems(withFailover(ETCD + "  maximum_lag: 16 megabytes\n")))
        .singleElement().asString().contains(":21:16: failover.maximum_lag: must be a size such as 16MB");
    assertThat(problems(withFailover(ETCD + "  failsafe: yes\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:21:13: failover.failsafe: must be true or false, got yes");
    assertThat(problems(withFailover(ETCD + "  tll: 30s\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:21:3: failover.tll: unknown key \"tll\"; did you mean \"ttl\"?");
  }

  @Test
  void refusesANegativePriorityAndAClusterWhereNobodyCouldBePromoted() {
    assertThat(problems(DesiredStateFixtures.parse((BASE + ETCD).replace("failover_priority: 50", "failover_priority: -1"),
        "desired-state.yaml", SplittingHbaParser.INSTANCE)))
        .containsExactly("/etc/pgconverge/desired-state.yaml:4:70: peers[0].failover_priority: must be a whole number of 0"
            + " (never promoted) or more, got -1");
    String nobody = (BASE + ETCD).replace("failover_priority: 50", "failover_priority: 0")
        .replace("role: replica}", "role: replica, failover_priority: 0}");
    assertThat(problems(DesiredStateFixtures.parse(nobody, "desired-state.yaml", SplittingHbaParser.INSTANCE)))
        .containsExactly("/etc/pgconverge/desired-state.yaml:18:9: failover.mode: every peer has failover_priority 0,"
            + " so no peer could ever be promoted; give the candidates a priority of 1 or more");
  }

  @Test
  void theSchemaListsTheSameFailoverKeysAsTheBinder() throws IOException {
    JsonNode schema = new ObjectMapper().readTree(Path.of("../resources/desired-state.schema.json").toFile());
    assertThat(keys(schema.at("/$defs/failover"))).containsExactlyElementsOf(FailoverBinder.KEYS);
    assertThat(keys(schema.at("/$defs/etcd"))).containsExactlyElementsOf(FailoverBinder.ETCD_KEYS);
    assertThat(schema.at("/$defs/failover/additionalProperties").asBoolean(true)).isFalse();
    assertThat(schema.at("/$defs/etcd/additionalProperties").asBoolean(true)).isFalse();
    assertThat(schema.at("/$defs/peer/properties/failover_priority/minimum").asInt(-1)).isZero();
    List<String> modes = new ArrayList<>();
    schema.at("/$defs/failover/properties/mode/enum").forEach(n -> modes.add(n.asText()));
    assertThat(modes).containsExactly("file", "etcd");
    assertThat(Optional.of(schema.at("/properties/failover/$ref").asText())).contains("#/$defs/failover");
  }

  private static List<String> keys(JsonNode object) {
    List<String> keys = new ArrayList<>();
    object.path("properties").fieldNames().forEachRemaining(keys::add);
    return keys;
  }
}
