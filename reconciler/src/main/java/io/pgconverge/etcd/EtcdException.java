package io.pgconverge.etcd;

import java.util.List;

/**
 * Every way an etcd request can fail. A compare that does not hold is not a failure (it is the
 * answer of a transaction, see {@link LeaderLease}); everything here means "etcd did not give us
 * an answer we may act on", and a failover decision counts all of it as etcd unavailable.
 * Messages never contain a password or a token.
 */
public abstract sealed class EtcdException extends Exception
    permits EtcdException.Unavailable, EtcdException.Refused, EtcdException.LeaseNotFound {

  private EtcdException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Why one endpoint gave no usable answer. */
  public enum Reason {
    TIMEOUT("no answer before the deadline"),
    CONNECT("connection failed"),
    TLS("TLS handshake failed (certificate not trusted, or our client certificate refused)"),
    SERVER_ERROR("the member answered with an error meaning it cannot serve now"),
    STALE_MEMBER("the member answered with a raft term lower than one already seen"),
    BAD_RESPONSE("the answer was not etcd's JSON"),
    REFUSED_BEFORE_ETCD("refused before reaching etcd (HTTP 4xx without etcd's JSON)");

    public final String text;

    Reason(String text) {
      this.text = text;
    }
  }

  /** One endpoint's failure within a request. */
  public record Attempt(String endpoint, Reason reason, String detail) {
    @Override
    public String toString() {
      return endpoint + ": " + reason.text + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
  }

  /** No endpoint gave a usable answer before the request's deadline. */
  public static final class Unavailable extends EtcdException {
    private final List<Attempt> attempts;

    public Unavailable(String operation, List<Attempt> attempts, Throwable cause) {
      super("etcd unavailable for " + operation + ": "
          + (attempts.isEmpty() ? "no endpoint tried before the deadline" : attempts), cause);
      this.attempts = List.copyOf(attempts);
    }

    public List<Attempt> attempts() {
      return attempts;
    }
  }

  /**
   * etcd answered and refused the request (invalid argument, permission denied, authentication
   * failed, ...): {@code code} is the gRPC status code etcd reported.
   */
  public static final class Refused extends EtcdException {
    private final int code;

    public Refused(String operation, int code, String message) {
      super("etcd refused " + operation + ": " + message + " (code " + code + ")", null);
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  /** The lease named in the request does not exist (any more): it expired or was revoked. */
  public static final class LeaseNotFound extends EtcdException {
    private final long lease;

    public LeaseNotFound(String operation, long lease) {
      super("etcd lease " + Long.toHexString(lease) + " not found during " + operation
          + " (expired or revoked)", null);
      this.lease = lease;
    }

    public long lease() {
      return lease;
    }
  }
}
