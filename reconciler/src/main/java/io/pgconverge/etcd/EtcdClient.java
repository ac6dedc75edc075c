package io.pgconverge.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgconverge.etcd.EtcdException.Attempt;
import io.pgconverge.etcd.EtcdException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd v3 over its JSON gateway ({@code POST <endpoint>/v3/...}, etcd 3.4 and later), with the
 * JDK's HTTP client forced to HTTP/1.1 (an HTTP/2 request would reach etcd's gRPC handler).
 *
 * <p>One request, step by step:
 *
 * <ol>
 *   <li>Its deadline (the settings' request deadline unless the caller gives one) is fixed on the
 *       monotonic clock when the request starts; nothing waits past it.
 *   <li>Endpoints are tried in turn, starting with the last one that answered. Each attempt gets
 *       the time left divided by the endpoints not yet tried in this round, so a silent (frozen)
 *       member cannot use up the time of the others. After a round in which every endpoint failed
 *       fast, the next round starts after a short pause, until the deadline.
 *   <li>An attempt fails over to the next endpoint when it times out, cannot connect, gets an
 *       answer that is not etcd's JSON, gets an error meaning "cannot serve now" (gRPC
 *       UNAVAILABLE, DEADLINE_EXCEEDED, ...), or carries a raft term lower than the highest seen:
 *       an answer from a stale member is never returned.
 *   <li>An error meaning "etcd refused this" ends the request at once as {@link
 *       EtcdException.Refused} or {@link EtcdException.LeaseNotFound}; an expired token is renewed
 *       once (when a user is configured) and the attempt repeated.
 *   <li>When the deadline passes, the request fails as {@link EtcdException.Unavailable} listing
 *       what each attempt met.
 * </ol>
 *
 * <p>Thread-safe. The password and the token are never logged nor put in an exception.
 */
public final class EtcdClient {
  private static final Logger log = LoggerFactory.getLogger(EtcdClient.class);
  private static final String PREFIX = "/v3";
  private static final Duration PAUSE_BETWEEN_ROUNDS = Duration.ofMillis(100);

  private final EtcdSettings settings;
  private final HttpClient http;
  private final AtomicInteger preferred = new AtomicInteger();
  private final Object termLock = new Object();
  private String clusterId = "";
  private long highestRaftTerm;
  private volatile String token; // never printed

  private EtcdClient(EtcdSettings settings, HttpClient http) {
    this.settings = settings;
    this.http = http;
  }

  /** A client for these settings; reads the TLS files if any (the password file is read later, when a token is needed). */
  public static EtcdClient open(EtcdSettings settings) throws IOException {
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.requestDeadline());
    if (settings.tls().isPresent()) {
      b.sslContext(EtcdTls.context(settings.tls().get()));
    }
    return new EtcdClient(settings, b.build());
  }

  public EtcdSettings settings() {
    return settings;
  }

  /** The endpoint the next request tries first: the last one that answered. */
  public URI preferredEndpoint() {
    return settings.endpoints().get(preferred.get());
  }

  /** The highest raft term any answer carried so far. */
  public long highestRaftTerm() {
    synchronized (termLock) {
      return highestRaftTerm;
    }
  }

  /** An answer and the monotonic time ({@link System#nanoTime()}) at which the attempt that got it was sent. */
  public record Answer(JsonNode body, ResponseHeader header, long sentNanos) {}

  // ---------------------------------------------------------------------------------------------
  // The etcd API, one method per gateway call.

  /** A linearizable read of one key. */
  public Optional<KeyValue> get(String key) throws EtcdException {
    List<KeyValue> kvs = EtcdJson.kvs(call("range " + key, "/kv/range", EtcdJson.range(key, false)).body());
    return kvs.isEmpty() ? Optional.empty() : Optional.of(kvs.get(0));
  }

  /** A linearizable read of every key under a prefix, with the revision it was read at. */
  public Range getPrefix(String prefix) throws EtcdException {
    Answer a = call("range " + prefix + "*", "/kv/range", EtcdJson.range(prefix, true));
    return new Range(a.header(), EtcdJson.kvs(a.body()));
  }

  /** Keys read at one revision. */
  public record Range(ResponseHeader header, List<KeyValue> kvs) {}

  /** Writes a key unconditionally; {@code lease} 0 attaches it to no lease. */
  public ResponseHeader put(String key, String value, long lease) throws EtcdException {
    return call("put " + key, "/kv/put", EtcdJson.put(key, value, lease)).header();
  }

  /** Deletes a key unconditionally; returns how many keys went (0 or 1). */
  public long delete(String key) throws EtcdException {
    return call("delete " + key, "/kv/deleterange", EtcdJson.delete(key)).body().path("deleted").asLong(0);
  }

  public Txn.Result txn(Txn txn) throws EtcdException {
    Answer a = call("txn on " + txn.compare().stream().map(Txn.Compare::key).distinct().toList(), "/kv/txn",
        EtcdJson.txn(txn));
    return EtcdJson.txnResult(a.body(), a.header());
  }

  /** A lease granted by etcd: its id, the TTL etcd granted and when the grant request was sent. */
  public record Lease(long id, long ttlSeconds, long sentNanos) {}

  public Lease grantLease(long ttlSeconds) throws EtcdException {
    Answer a = call("lease grant", "/lease/grant", EtcdJson.leaseGrant(ttlSeconds));
    long id = a.body().path("ID").asLong(0);
    if (id == 0) {
      throw new EtcdException.Refused("lease grant", GatewayAnswer.GRPC_UNKNOWN, "etcd granted no lease id");
    }
    return new Lease(id, a.body().path("TTL").asLong(0), a.sentNanos());
  }

  /**
   * One keepalive of a lease. Returns the lease with the TTL etcd restarted it at and the time the
   * keepalive was sent (the lease cannot end before sent + TTL); throws {@link
   * EtcdException.LeaseNotFound} when the lease is gone.
   */
  public Lease keepAlive(long lease) throws EtcdException {
    Answer a = call("lease keepalive", "/lease/keepalive", EtcdJson.leaseId(lease));
    long ttl = a.body().path("TTL").asLong(0);
    if (ttl <= 0) {
      throw new EtcdException.LeaseNotFound("lease keepalive", lease);
    }
    return new Lease(lease, ttl, a.sentNanos());
  }

  /** What etcd says of a lease: the seconds it has left (-1: expired or never granted) and the TTL it was granted with. */
  public record LeaseTtl(long id, long ttlSeconds, long grantedTtlSeconds) {}

  /** How long a lease has left ({@code /v3/lease/timetolive}); a lease that is gone has {@code ttlSeconds} -1. */
  public LeaseTtl timeToLive(long lease) throws EtcdException {
    JsonNode b;
    try {
      b = call("lease timetolive", "/lease/timetolive", EtcdJson.leaseId(lease)).body();
    } catch (EtcdException.LeaseNotFound gone) {
      return new LeaseTtl(lease, -1, 0);
    }
    return new LeaseTtl(lease, b.path("TTL").asLong(-1), b.path("grantedTTL").asLong(0));
  }

  /** Revokes a lease, deleting every key attached to it; a lease already gone is not an error. */
  public void revoke(long lease) throws EtcdException {
    try {
      call("lease revoke", "/lease/revoke", EtcdJson.leaseId(lease));
    } catch (EtcdException.LeaseNotFound alreadyGone) {
      // what we wanted
    }
  }

  /**
   * Starts watching a key (or every key under it, with {@code prefix}) from {@code startRevision}
   * (0: from now) on the first endpoint, in rotation order, that confirms it within the request
   * deadline. The caller closes it; if it breaks, the caller starts a new one from the
   * last revision it saw.
   */
  public Watch watch(String key, boolean prefix, long startRevision) throws EtcdException {
    return Watch.start(this, key, prefix, startRevision);
  }

  // ---------------------------------------------------------------------------------------------
  // The transport.

  Answer call(String operation, String path, ObjectNode body) throws EtcdException {
    return call(operation, path, body, settings.requestDeadline());
  }

  /** One request with endpoint rotation within {@code deadline}; see the class comment. */
  public Answer call(String operation, String path, ObjectNode body, Duration deadline) throws EtcdException {
    final long end = System.nanoTime() + deadline.toNanos();
    if (settings.auth().isPresent() && token == null && !path.equals("/auth/authenticate")) {
      authenticate(deadline); // within the same deadline
    }
    List<URI> endpoints = settings.endpoints();
    int n = endpoints.size();
    List<Attempt> attempts = new ArrayList<>();
    Throwable lastCause = null;
    boolean reauthenticated = false;
    int refusedInARow = 0;
    int start = preferred.get();
    for (int i = 0; ; i++) {
      if (i > 0 && i % n == 0) {
        sleepUntil(Math.min(end, System.nanoTime() + PAUSE_BETWEEN_ROUNDS.toNanos()));
      }
      long remaining = end - System.nanoTime();
      if (remaining <= TimeUnit.MILLISECONDS.toNanos(1)) {
        throw new EtcdException.Unavailable(operation, attempts, lastCause);
      }
      int idx = (start + i) % n;
      URI endpoint = endpoints.get(idx);
      long attemptTimeout = remaining / (n - i % n);
      Attempt failure;
      try {
        Answer a = attempt(endpoint, operation, path, body, Duration.ofNanos(Math.max(attemptTimeout, 1_000_000)));
        answered(endpoint);
        return a;
      } catch (GatewayAnswer.AttemptFailed f) {
        failure = f.attempt;
        lastCause = f.getCause();
      } catch (GatewayAnswer.TokenExpired t) {
        if (reauthenticated) {
          throw new EtcdException.Refused(operation, GatewayAnswer.GRPC_UNAUTHENTICATED, "authentication token refused");
        }
        reauthenticated = true;
        token = null;
        authenticate(Duration.ofNanos(Math.max(end - System.nanoTime(), 1_000_000)));
        i--; // the same endpoint again, with the new token
        continue;
      }
      log.debug("etcd: {} failed on {}", operation, failure);
      attempts.add(failure);
      refusedInARow = failure.reason() == Reason.REFUSED_BEFORE_ETCD ? refusedInARow + 1 : 0;
      if (refusedInARow == n) {
        // Every endpoint refused the same way: waiting for the deadline would change nothing.
        throw new EtcdException.Refused(operation, 0, failure.endpoint() + ": " + failure.detail());
      }
      if (attempts.size() > 4 * n) {
        attempts.remove(0);
      }
    }
  }

  private Answer attempt(URI endpoint, String operation, String path, ObjectNode body, Duration timeout)
      throws GatewayAnswer.AttemptFailed, GatewayAnswer.TokenExpired, EtcdException {
    String name = endpoint.toString();
    HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint.resolve(PREFIX + path))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    String t = token;
    if (t != null && !path.equals("/auth/authenticate")) {
      rb.header("Authorization", t);
    }
    HttpResponse<byte[]> response;
    long sent = System.nanoTime();
    try {
      response = http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofByteArray())
          .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new GatewayAnswer.AttemptFailed(new Attempt(name, Reason.TIMEOUT, "after " + timeout.toMillis() + " ms"), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdException.Unavailable(operation, List.of(new Attempt(name, Reason.TIMEOUT, "interrupted")), e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      Reason r = c instanceof HttpTimeoutException ? Reason.TIMEOUT
          : c instanceof javax.net.ssl.SSLException ? Reason.TLS : Reason.CONNECT;
      throw new GatewayAnswer.AttemptFailed(new Attempt(name, r, c == null ? "" : c.getClass().getSimpleName()), c);
    }
    Answer a = GatewayAnswer.read(name, operation, body, response, sent, settings.auth().isPresent());
    checkRaftTerm(name, a.header());
    return a;
  }

  private void checkRaftTerm(String endpoint, ResponseHeader h) throws GatewayAnswer.AttemptFailed {
    synchronized (termLock) {
      if (!h.clusterId().isEmpty() && !clusterId.isEmpty() && !clusterId.equals(h.clusterId())) {
        log.warn("etcd: cluster id changed from {} to {} (answer of {}); raft terms counted afresh", clusterId,
            h.clusterId(), endpoint);
        highestRaftTerm = 0;
      }
      if (!h.clusterId().isEmpty()) {
        clusterId = h.clusterId();
      }
      if (h.raftTerm() != 0 && h.raftTerm() < highestRaftTerm) {
        throw new GatewayAnswer.AttemptFailed(new Attempt(endpoint, Reason.STALE_MEMBER,
            "raft term " + h.raftTerm() + " < " + highestRaftTerm), null);
      }
      highestRaftTerm = Math.max(highestRaftTerm, h.raftTerm());
    }
  }

  /** Gets a token for the configured user; the password is read from its file here and dropped after. */
  private void authenticate(Duration deadline) throws EtcdException {
    EtcdSettings.Auth auth = settings.auth().orElseThrow();
    String password;
    try {
      password = Files.readString(auth.passwordFile()).strip();
    } catch (IOException e) {
      throw new EtcdException.Refused("authenticate", GatewayAnswer.GRPC_UNAUTHENTICATED,
          "cannot read password_file " + auth.passwordFile() + ": " + e.getClass().getSimpleName());
    }
    ObjectNode body = EtcdJson.MAPPER.createObjectNode().put("name", auth.user()).put("password", password);
    Answer a = call("authenticate", "/auth/authenticate", body, deadline);
    String t = a.body().path("token").asText("");
    if (t.isEmpty()) {
      throw new EtcdException.Refused("authenticate", GatewayAnswer.GRPC_UNAUTHENTICATED, "etcd returned no token");
    }
    token = t;
  }

  HttpClient http() {
    return http;
  }

  /** The endpoints in the order a request tries them: the last one that answered first. */
  List<URI> rotation() {
    List<URI> all = settings.endpoints();
    int start = preferred.get();
    List<URI> order = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      order.add(all.get((start + i) % all.size()));
    }
    return order;
  }

  /** Remembers that {@code endpoint} answered. */
  void answered(URI endpoint) {
    int idx = settings.endpoints().indexOf(endpoint);
    if (idx >= 0 && preferred.getAndSet(idx) != idx) {
      log.info("etcd: now using {} for requests", endpoint);
    }
  }

  static URI watchUri(URI endpoint) {
    return endpoint.resolve(PREFIX + "/watch");
  }

  String tokenForStream() {
    return token;
  }

  private static void sleepUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
