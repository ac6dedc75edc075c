package io.pgconverge.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgconverge.etcd.EtcdException.Reason;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Endpoint rotation, deadlines, the raft-term guard, error types and authentication, against {@link FakeEtcd}. */
class EtcdClientTest {
  private static EtcdClient client(Duration deadline, URI... endpoints) throws Exception {
    return EtcdClient.open(EtcdSettings.plain(List.of(endpoints), deadline));
  }

  private static long ms(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1_000_000;
  }

  @Test
  void postsJsonOverHttp11ToTheV3GatewayWithBase64Keys() throws Exception {
    try (FakeEtcd e = new FakeEtcd(FakeEtcd.keyAtTerm("v", 1))) {
      assertThat(client(Duration.ofSeconds(10), e.uri()).get("k")).map(KeyValue::value).contains("v");
      FakeEtcd.Request r = e.requests.get(0);
      assertThat(r.protocol()).isEqualTo("HTTP/1.1");
      assertThat(r.path()).isEqualTo("/v3/kv/range");
      assertThat(r.body().path("key").asText()).isEqualTo("aw==");
      assertThat(r.authorization()).isNull();
    }
  }

  @Test
  void skipsASilentMemberWithinTheDeadlineAndRemembersTheOneThatAnswered() throws Exception {
    try (FakeEtcd frozen = new FakeEtcd(FakeEtcd.keyAtTerm("v", 1)).silent();
        FakeEtcd alive = new FakeEtcd(FakeEtcd.keyAtTerm("v", 1))) {
      EtcdClient c = client(Duration.ofSeconds(2), frozen.uri(), alive.uri());
      long t0 = System.nanoTime();
      assertThat(c.get("k")).isPresent();
      assertThat(ms(t0)).as("the frozen member gets half the deadline, not all of it").isBetween(900L, 1900L);
      assertThat(c.preferredEndpoint()).isEqualTo(alive.uri());
      long t1 = System.nanoTime();
      assertThat(c.get("k")).isPresent();
      assertThat(ms(t1)).isLessThan(500);
      assertThat(frozen.requests).hasSize(1);
      assertThat(alive.requests).hasSize(2);
    }
  }

  @Test
  void aRefusedConnectionMovesOnAtOnce() throws Exception {
    URI closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
    try (FakeEtcd alive = new FakeEtcd(FakeEtcd.keyAtTerm("v", 1))) {
      EtcdClient c = client(Duration.ofSeconds(3), closed, alive.uri());
      long t0 = System.nanoTime();
      assertThat(c.get("k")).isPresent();
      assertThat(ms(t0)).isLessThan(1000);
    }
  }

  @Test
  void everyMemberSilentIsUnavailableWhenTheDeadlinePasses() throws Exception {
    try (FakeEtcd a = new FakeEtcd(FakeEtcd.keyAtTerm("v", 1)).silent();
        FakeEtcd b = new FakeEtcd(FakeEtcd.keyAtTerm("v", 1)).silent()) {
      EtcdClient c = client(Duration.ofMillis(1000), a.uri(), b.uri());
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> c.get("k")).isInstanceOfSatisfying(EtcdException.Unavailable.class,
          u -> assertThat(u.attempts()).extracting(EtcdException.Attempt::reason)
              .containsExactly(Reason.TIMEOUT, Reason.TIMEOUT));
      assertThat(ms(t0)).isBetween(950L, 1500L);
    }
  }

  @Test
  void rejectsAnAnswerFromAMemberWithALowerRaftTermThanSeenBefore() throws Exception {
    try (FakeEtcd stale = new FakeEtcd(FakeEtcd.keyAtTerm("new", 7));
        FakeEtcd current = new FakeEtcd(FakeEtcd.keyAtTerm("new", 7))) {
      EtcdClient c = client(Duration.ofSeconds(10), stale.uri(), current.uri());
      assertThat(c.get("k")).map(KeyValue::value).contains("new");
      assertThat(c.highestRaftTerm()).isEqualTo(7);
      stale.answer(FakeEtcd.keyAtTerm("old", 3)); // a member cut off since term 3
      assertThat(c.get("k")).map(KeyValue::value).contains("new");
      assertThat(c.preferredEndpoint()).isEqualTo(current.uri());

      current.answer(FakeEtcd.keyAtTerm("old", 3));
      assertThatThrownBy(() -> c.get("k")).isInstanceOfSatisfying(EtcdException.Unavailable.class,
          u -> assertThat(u.attempts()).extracting(EtcdException.Attempt::reason)
              .startsWith(Reason.STALE_MEMBER, Reason.STALE_MEMBER));
    }
  }

  @Test
  void anUnavailableMemberIsSkippedButARefusalEndsTheRequest() throws Exception {
    String noLeader = "{\"error\":\"etcdserver: no leader\",\"message\":\"etcdserver: no leader\",\"code\":14}";
    String badArg = "{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not provided\",\"code\":3}";
    String noLease = "{\"error\":\"etcdserver: requested lease not found\",\"message\":\"etcdserver: requested lease not found\",\"code\":5}";
    try (FakeEtcd a = new FakeEtcd(r -> new FakeEtcd.Reply(503, noLeader));
        FakeEtcd b = new FakeEtcd(FakeEtcd.keyAtTerm("v", 1))) {
      EtcdClient c = client(Duration.ofSeconds(10), a.uri(), b.uri());
      assertThat(c.get("k")).isPresent();

      b.answer(r -> new FakeEtcd.Reply(400, badArg));
      assertThatThrownBy(() -> c.get("k")).isInstanceOfSatisfying(EtcdException.Refused.class,
          x -> assertThat(x.code()).isEqualTo(3));
      assertThat(a.requests).hasSize(1);

      b.answer(r -> new FakeEtcd.Reply(404, noLease));
      assertThatThrownBy(() -> c.put("k", "v", 1234)).isInstanceOfSatisfying(EtcdException.LeaseNotFound.class,
          x -> assertThat(x.lease()).isEqualTo(1234));
    }
  }

  @Test
  void aMemberThatRefusesWithoutEtcdsJsonIsSkippedAndRefusedEverywhereIsRefused() throws Exception {
    try (FakeEtcd proxy = new FakeEtcd(r -> new FakeEtcd.Reply(404, "404 page not found"));
        FakeEtcd alive = new FakeEtcd(FakeEtcd.keyAtTerm("v", 1))) {
      EtcdClient c = client(Duration.ofSeconds(10), proxy.uri(), alive.uri());
      assertThat(c.get("k")).isPresent();
      alive.answer(r -> new FakeEtcd.Reply(404, "404 page not found"));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> c.get("k")).isInstanceOfSatisfying(EtcdException.Refused.class,
          x -> assertThat(x.getMessage()).contains("404 page not found"));
      assertThat(ms(t0)).as("no wait for the deadline").isLessThan(1000);
    }
  }

  @Test
  void aKeepaliveOfALeaseThatIsGoneIsLeaseNotFound() throws Exception {
    // etcd answers a keepalive of an unknown lease with a result without TTL.
    try (FakeEtcd e = new FakeEtcd(r -> new FakeEtcd.Reply(200, "{\"result\":{" + FakeEtcd.header(2) + ",\"ID\":\"99\"}}"))) {
      assertThatThrownBy(() -> client(Duration.ofSeconds(10), e.uri()).keepAlive(99))
          .isInstanceOf(EtcdException.LeaseNotFound.class);
    }
  }

  @Test
  void authenticatesWithThePasswordFileAndSendsTheTokenButNeverShowsEither(@TempDir Path dir) throws Exception {
    Path passwordFile = dir.resolve("etcd-password");
    Files.writeString(passwordFile, "s3cret-pw\n");
    String[] token = {"tok-1"};
    try (FakeEtcd e = new FakeEtcd(r -> {
      if (r.path().equals("/v3/auth/authenticate")) {
        if (!r.body().path("password").asText().equals("s3cret-pw")) {
          return new FakeEtcd.Reply(400, "{\"error\":\"etcdserver: authentication failed, invalid user ID or password\","
              + "\"message\":\"etcdserver: authentication failed, invalid user ID or password\",\"code\":3}");
        }
        return new FakeEtcd.Reply(200, "{" + FakeEtcd.header(1) + ",\"token\":\"" + token[0] + "\"}");
      }
      if (!token[0].equals(r.authorization())) {
        return new FakeEtcd.Reply(401, "{\"error\":\"etcdserver: invalid auth token\","
            + "\"message\":\"etcdserver: invalid auth token\",\"code\":16}");
      }
      return FakeEtcd.keyAtTerm("v", 1).answer(r);
    })) {
      EtcdClient c = EtcdClient.open(new EtcdSettings(List.of(e.uri()), Duration.ofSeconds(2), Optional.empty(),
          Optional.of(new EtcdSettings.Auth("pgconverge", passwordFile))));
      assertThat(c.get("k")).isPresent();
      assertThat(e.requests).extracting(FakeEtcd.Request::path).containsExactly("/v3/auth/authenticate", "/v3/kv/range");
      assertThat(e.requests.get(0).body().path("name").asText()).isEqualTo("pgconverge");

      token[0] = "tok-2"; // the old token expired: one new authentication, then the request again
      assertThat(c.get("k")).isPresent();
      assertThat(e.requests).extracting(FakeEtcd.Request::path).endsWith("/v3/kv/range", "/v3/auth/authenticate",
          "/v3/kv/range");

      Files.writeString(passwordFile, "wrong-pw");
      token[0] = "tok-3";
      assertThatThrownBy(() -> c.get("k")).isInstanceOf(EtcdException.Refused.class)
          .satisfies(x -> assertThat(x.toString()).doesNotContain("wrong-pw").doesNotContain("tok-"));
    }
  }
}
