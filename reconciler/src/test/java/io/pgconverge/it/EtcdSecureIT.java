package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdClient.Lease;
import io.pgconverge.etcd.EtcdException;
import io.pgconverge.etcd.EtcdSettings;
import io.pgconverge.etcd.LeaderLease;
import io.pgconverge.etcd.LeaderLease.Acquire;
import io.pgconverge.etcd.LeaderLease.Renewal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a three-member etcd whose client URLs are HTTPS with client certificates
 * required and whose authentication is on: a user allowed only under {@code /pgconverge-it/}.
 */
class EtcdSecureIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "/pgconverge-it/";
  private static EtcdCluster etcd;

  @BeforeAll
  static void startEtcdWithTlsAndAuthentication() throws Exception {
    etcd = EtcdCluster.startTls();
    EtcdClient admin = EtcdClient.open(new EtcdSettings(etcd.endpoints(), Duration.ofSeconds(5),
        Optional.of(etcd.clientTls()), Optional.empty()));
    String rootPassword = "root-" + System.nanoTime();
    admin.call("role add", "/auth/role/add", obj().put("name", "root"), Duration.ofSeconds(5));
    admin.call("user add", "/auth/user/add", obj().put("name", "root").put("password", rootPassword),
        Duration.ofSeconds(5));
    admin.call("grant", "/auth/user/grant", obj().put("user", "root").put("role", "root"), Duration.ofSeconds(5));
    admin.call("role add", "/auth/role/add", obj().put("name", "pgconverge-role"), Duration.ofSeconds(5));
    ObjectNode grant = obj().put("name", "pgconverge-role");
    grant.putObject("perm").put("permType", "READWRITE").put("key", b64(PREFIX)).put("range_end", b64("/pgconverge-it0"));
    admin.call("role grant", "/auth/role/grant", grant, Duration.ofSeconds(5));
    admin.call("user add", "/auth/user/add", obj().put("name", "pgconverge").put("password", "right-password"),
        Duration.ofSeconds(5));
    admin.call("grant", "/auth/user/grant", obj().put("user", "pgconverge").put("role", "pgconverge-role"),
        Duration.ofSeconds(5));
    admin.call("auth enable", "/auth/enable", obj(), Duration.ofSeconds(5));
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  private static ObjectNode obj() {
    return JSON.createObjectNode();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static EtcdClient asUser(Path passwordFile) throws Exception {
    return EtcdClient.open(new EtcdSettings(etcd.endpoints(), Duration.ofSeconds(5), Optional.of(etcd.clientTls()),
        Optional.of(new EtcdSettings.Auth("pgconverge", passwordFile))));
  }

  @Test
  void overTlsWithAClientCertificateAndAPasswordTheLeaderKeyIsTakenRenewedAndReleased(@TempDir Path dir)
      throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "right-password\n");
    LeaderLease node1 = new LeaderLease(asUser(password), new ClusterKeys("/pgconverge-it", "secure"), "node1");
    Lease lease = node1.grant(10);
    assertThat(node1.tryTake(lease)).isInstanceOf(Acquire.Taken.class);
    assertThat(node1.renew(lease)).isInstanceOf(Renewal.Renewed.class);
    assertThat(node1.leader().orElseThrow().value()).isEqualTo("node1");
    assertThat(node1.release()).isTrue();
    node1.revoke(lease);
  }

  @Test
  void aKeyOutsideTheUsersPrefixIsRefusedNotUnavailable(@TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "right-password");
    EtcdClient c = asUser(password);
    assertThatThrownBy(() -> c.put("/elsewhere/key", "v", 0)).isInstanceOfSatisfying(EtcdException.Refused.class,
        r -> assertThat(r.getMessage()).contains("permission denied"));
  }

  @Test
  void aWrongPasswordIsRefusedAndNeitherPasswordShows(@TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "wrong-password");
    assertThatThrownBy(() -> asUser(password).get(PREFIX + "x")).isInstanceOf(EtcdException.Refused.class)
        .satisfies(e -> assertThat(e.toString()).contains("authentication failed")
            .doesNotContain("wrong-password").doesNotContain("right-password"));
  }

  @Test
  void aClientCertificateWithACommonNameIsRefusedByTheGatewayOnceAuthenticationIsOn(@TempDir Path dir)
      throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "right-password");
    EtcdClient c = EtcdClient.open(new EtcdSettings(etcd.endpoints(), Duration.ofSeconds(2),
        Optional.of(etcd.clientTlsWithCommonName()), Optional.of(new EtcdSettings.Auth("pgconverge", password))));
    assertThatThrownBy(() -> c.get(PREFIX + "x")).isInstanceOfSatisfying(EtcdException.Refused.class,
        r -> assertThat(r.getMessage()).contains("CommonName"));
  }

  @Test
  void withoutAClientCertificateTheHandshakeFails(@TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "right-password");
    EtcdSettings.Tls caOnly = new EtcdSettings.Tls(etcd.clientTls().caFile(), Optional.empty(), Optional.empty());
    EtcdClient c = EtcdClient.open(new EtcdSettings(etcd.endpoints(), Duration.ofSeconds(2), Optional.of(caOnly),
        Optional.of(new EtcdSettings.Auth("pgconverge", password))));
    assertThatThrownBy(() -> c.get(PREFIX + "x")).isInstanceOfSatisfying(EtcdException.Unavailable.class,
        u -> assertThat(u.attempts()).extracting(EtcdException.Attempt::reason).contains(EtcdException.Reason.TLS));
  }
}
