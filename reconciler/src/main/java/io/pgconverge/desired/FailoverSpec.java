package io.pgconverge.desired;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code failover} section and every peer's {@code failover_priority}: who decides which host
 * is primary. Under {@link Mode#FILE} (the default) the desired-state file alone says it; under
 * {@link Mode#ETCD} the holder of the leader key in etcd is primary, and the file's {@code role:
 * primary} is only the preferred primary (it bootstraps the cluster; a change of it is a one-shot
 * switchover request). Built only by {@link FailoverBinder}, so {@code loopWait + 2 ×
 * retryTimeout <= ttl} holds and {@code etcd} is present under {@link Mode#ETCD}.
 *
 * @param ttl the leader lease, whole seconds
 * @param loopWait how often the daemon renews and observes
 * @param retryTimeout how long one etcd or PostgreSQL request may take before it counts as failed
 * @param maximumLagBytes a replica further behind than this is not promoted
 * @param failsafe a primary that cannot reach etcd stays primary while every peer confirms it
 * @param priorities each peer's {@code failover_priority} (default 1; 0 = never promoted)
 */
public record FailoverSpec(
    Mode mode,
    Optional<Etcd> etcd,
    Duration ttl,
    Duration loopWait,
    Duration retryTimeout,
    long maximumLagBytes,
    boolean failsafe,
    Map<String, Integer> priorities) {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_LOOP_WAIT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofSeconds(10);
  public static final long DEFAULT_MAXIMUM_LAG_BYTES = 1024 * 1024;
  public static final int DEFAULT_PRIORITY = 1;
  public static final String DEFAULT_NAMESPACE = "/pgconverge";

  /** No failover section: the file decides, every peer at the default priority. */
  public static final FailoverSpec FILE =
      new FailoverSpec(Mode.FILE, Optional.empty(), DEFAULT_TTL, DEFAULT_LOOP_WAIT, DEFAULT_RETRY_TIMEOUT,
          DEFAULT_MAXIMUM_LAG_BYTES, false, Map.of());

  public FailoverSpec {
    priorities = Map.copyOf(priorities);
  }

  public enum Mode {
    FILE("file"),
    ETCD("etcd");

    private final String yamlName;

    Mode(String yamlName) {
      this.yamlName = yamlName;
    }

    public String yamlName() {
      return yamlName;
    }
  }

  /**
   * How to reach etcd: client URLs (all http or all https), the key namespace, optional TLS (CA,
   * client certificate and PKCS#8 key) and optional user + password file.
   */
  public record Etcd(
      List<URI> endpoints,
      String namespace,
      Optional<Path> caFile,
      Optional<Path> certFile,
      Optional<Path> keyFile,
      Optional<String> user,
      Optional<Path> passwordFile) {
    public Etcd {
      endpoints = List.copyOf(endpoints);
    }
  }

  public boolean etcdMode() {
    return mode == Mode.ETCD;
  }

  /** {@code peer}'s failover priority: 0 never promoted, higher preferred among equally healthy candidates. */
  public int priority(String peer) {
    return priorities.getOrDefault(peer, DEFAULT_PRIORITY);
  }
}
