package io.pgconverge.etcd;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How to reach etcd: its client URLs (tried in turn, starting with the last one that answered),
 * the deadline of one request across all endpoints, optional TLS and optional user + password
 * file authentication (the password is read from the file when a token is needed, never kept in
 * a field that is printed).
 */
public record EtcdSettings(List<URI> endpoints, Duration requestDeadline, Optional<Tls> tls, Optional<Auth> auth) {
  public EtcdSettings {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("etcd endpoints: at least one is needed");
    }
    if (requestDeadline.isNegative() || requestDeadline.isZero()) {
      throw new IllegalArgumentException("etcd request deadline must be positive, got " + requestDeadline);
    }
  }

  public static EtcdSettings plain(List<URI> endpoints, Duration requestDeadline) {
    return new EtcdSettings(endpoints, requestDeadline, Optional.empty(), Optional.empty());
  }

  /** A CA file to verify the members' certificates, and optionally a client certificate and its PKCS#8 key. */
  public record Tls(Path caFile, Optional<Path> certFile, Optional<Path> keyFile) {}

  /** An etcd user and the file holding its password. */
  public record Auth(String user, Path passwordFile) {
    @Override
    public String toString() {
      return "Auth[user=" + user + ", passwordFile=" + passwordFile + "]";
    }
  }
}
