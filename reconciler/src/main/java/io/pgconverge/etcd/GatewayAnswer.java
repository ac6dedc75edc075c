package io.pgconverge.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgconverge.etcd.EtcdException.Attempt;
import io.pgconverge.etcd.EtcdException.Reason;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads one HTTP answer of etcd's JSON gateway into an {@link EtcdClient.Answer} or a typed
 * failure, by the gRPC status code the gateway carries. Has no side effects.
 *
 * <ol>
 *   <li>Not JSON: a 4xx is a refusal in front of etcd ({@link Reason#REFUSED_BEFORE_ETCD}: a wrong
 *       path, a refused certificate), anything else a bad response; both try the next member.
 *   <li>A gateway error meaning "cannot serve now" (CANCELLED, UNKNOWN, DEADLINE_EXCEEDED,
 *       RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE) tries the next member.
 *   <li>UNAUTHENTICATED or "invalid auth token" with a user configured: the token expired (renew
 *       it and repeat); otherwise, and for any other error, etcd refused the request ({@link
 *       EtcdException.Refused}); "lease not found" is {@link EtcdException.LeaseNotFound}.
 *   <li>A JSON answer with an HTTP error status, or without a header, tries the next member.
 * </ol>
 */
final class GatewayAnswer {
  private static final int GRPC_CANCELLED = 1;
  static final int GRPC_UNKNOWN = 2;
  private static final int GRPC_DEADLINE_EXCEEDED = 4;
  private static final int GRPC_NOT_FOUND = 5;
  private static final int GRPC_RESOURCE_EXHAUSTED = 8;
  private static final int GRPC_ABORTED = 10;
  private static final int GRPC_INTERNAL = 13;
  private static final int GRPC_UNAVAILABLE = 14;
  static final int GRPC_UNAUTHENTICATED = 16;

  private GatewayAnswer() {}

  /** An attempt that failed in a way another member may not: the request goes on with the next. */
  static final class AttemptFailed extends Exception {
    final Attempt attempt;

    AttemptFailed(Attempt attempt, Throwable cause) {
      super(attempt.toString(), cause, false, false);
      this.attempt = attempt;
    }
  }

  /** The authentication token was refused as expired: get a new one and repeat the attempt. */
  static final class TokenExpired extends Exception {
    TokenExpired() {
      super("token expired", null, false, false);
    }
  }

  /**
   * The answer {@code response} of endpoint {@code name} to {@code operation} (request {@code
   * body}), sent at {@code sent} ({@link System#nanoTime()}); {@code auth} says a user is configured.
   */
  static EtcdClient.Answer read(String name, String operation, ObjectNode body, HttpResponse<byte[]> response,
      long sent, boolean auth) throws AttemptFailed, TokenExpired, EtcdException {
    JsonNode json;
    try {
      json = EtcdJson.MAPPER.readTree(response.body());
    } catch (IOException e) {
      json = null;
    }
    if (json == null || !json.isObject()) {
      if (response.statusCode() >= 400 && response.statusCode() < 500) {
        // Not the gateway's JSON but a refusal in front of it (a wrong path, a refused certificate).
        throw new AttemptFailed(new Attempt(name, Reason.REFUSED_BEFORE_ETCD, notJson(response)), null);
      }
      throw new AttemptFailed(new Attempt(name, Reason.BAD_RESPONSE, notJson(response)), null);
    }
    Optional<EtcdJson.GatewayError> error = EtcdJson.error(json);
    if (error.isPresent()) {
      classify(name, operation, body, error.get(), auth);
    }
    if (response.statusCode() >= 400) {
      throw new AttemptFailed(new Attempt(name, Reason.SERVER_ERROR, "HTTP " + response.statusCode()), null);
    }
    JsonNode result = json.has("result") ? json.path("result") : json;
    Optional<ResponseHeader> header = EtcdJson.header(json);
    if (header.isEmpty()) {
      throw new AttemptFailed(new Attempt(name, Reason.BAD_RESPONSE, "no header"), null);
    }
    return new EtcdClient.Answer(result, header.get(), sent);
  }

  /** The status and the start of a body that is not JSON (etcd never echoes a request, so no secret is in it). */
  private static String notJson(HttpResponse<byte[]> response) {
    String text = new String(response.body(), StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
    return "HTTP " + response.statusCode() + ": " + (text.length() > 120 ? text.substring(0, 120) + "..." : text);
  }

  private static void classify(String endpoint, String operation, ObjectNode body, EtcdJson.GatewayError e, boolean auth)
      throws AttemptFailed, TokenExpired, EtcdException {
    switch (e.code()) {
      case GRPC_CANCELLED, GRPC_UNKNOWN, GRPC_DEADLINE_EXCEEDED, GRPC_RESOURCE_EXHAUSTED, GRPC_ABORTED,
          GRPC_INTERNAL, GRPC_UNAVAILABLE ->
          throw new AttemptFailed(new Attempt(endpoint, Reason.SERVER_ERROR, e.message()), null);
      case GRPC_UNAUTHENTICATED -> {
        if (auth && !operation.equals("authenticate")) {
          throw new TokenExpired();
        }
        throw new EtcdException.Refused(operation, e.code(), e.message());
      }
      case GRPC_NOT_FOUND -> {
        if (e.message().contains("lease not found")) {
          long lease = body.has("lease") ? body.path("lease").asLong(0) : body.path("ID").asLong(0);
          throw new EtcdException.LeaseNotFound(operation, lease);
        }
        throw new EtcdException.Refused(operation, e.code(), e.message());
      }
      default -> {
        if (e.message().contains("invalid auth token") && auth) {
          throw new TokenExpired();
        }
        throw new EtcdException.Refused(operation, e.code(), e.message());
      }
    }
  }
}
