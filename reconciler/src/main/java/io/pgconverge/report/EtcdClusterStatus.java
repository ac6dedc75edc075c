package io.pgconverge.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What etcd says of the cluster under {@code failover.mode: etcd}, for {@code status --cluster}:
 * the leader and its lease, whether the cluster is paused, the pending switchover or failover,
 * the preferred primary and its generation, the synchronous standbys, and each member key as its
 * member wrote it. {@code error} when etcd could not be read (then the rest is empty).
 *
 * <p>{@code request}, {@code history} and the members' values are the keys' JSON text.
 *
 * @param leaseTtlSeconds the seconds the leader's lease has left (-1: gone); {@code leaseGrantedSeconds} its TTL
 */
public record EtcdClusterStatus(
    String prefix,
    Optional<String> error,
    Optional<String> leader,
    Optional<Long> leaseTtlSeconds,
    Optional<Long> leaseGrantedSeconds,
    Optional<String> paused,
    Optional<String> request,
    Optional<String> preferred,
    Optional<List<String>> sync,
    Optional<String> history,
    Map<String, String> members) {
  public EtcdClusterStatus {
    members = Map.copyOf(members);
  }

  public static EtcdClusterStatus unreachable(String prefix, String error) {
    return new EtcdClusterStatus(prefix, Optional.of(error), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Map.of());
  }

  /** The problems the cluster's health counts: etcd unreadable, or no leader. */
  public List<String> problems() {
    if (error.isPresent()) {
      return List.of("etcd cannot be read: " + error.get());
    }
    return leader.isEmpty() ? List.of("nobody holds the leader key in etcd (" + prefix + "leader)") : List.of();
  }

  /** The lines under the peer table. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    String f = "%-10s %s%n";
    sb.append(String.format(f, "etcd", prefix + (error.isPresent() ? ": UNREACHABLE: " + error.get() : "")));
    if (error.isPresent()) {
      return sb.toString();
    }
    sb.append(String.format(f, "leader", leader.map(l -> l + lease()).orElse("none (nobody holds the leader key)")));
    sb.append(String.format(f, "paused", paused.map(p -> "yes, " + p).orElse("no")));
    sb.append(String.format(f, "request", request.orElse("none")));
    sb.append(String.format(f, "preferred", preferred.orElse("-")));
    sync.ifPresent(s -> sb.append(String.format(f, "sync", s.isEmpty() ? "none" : String.join(", ", s))));
    history.ifPresent(h -> sb.append(String.format(f, "history", h)));
    if (members.isEmpty()) {
      sb.append(String.format(f, "members", "none (no member key: no daemon publishes)"));
    }
    new java.util.TreeMap<>(members).forEach((name, value) -> sb.append(String.format(f, "member", name + " " + value)));
    return sb.toString();
  }

  private String lease() {
    if (leaseTtlSeconds.isEmpty()) {
      return "";
    }
    long left = leaseTtlSeconds.get();
    if (left < 0) {
      return " (its lease is gone)";
    }
    long granted = leaseGrantedSeconds.orElse(0L);
    return " (lease: " + left + " s left of " + granted + " s, renewed " + Math.max(0, granted - left) + " s ago)";
  }

  /** The {@code etcd} object of {@code status --cluster --json}. */
  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("prefix", prefix);
    m.put("reachable", error.isEmpty());
    m.put("error", error.orElse(null));
    m.put("leader", leader.orElse(null));
    m.put("lease_ttl_seconds", leaseTtlSeconds.orElse(null));
    m.put("lease_granted_seconds", leaseGrantedSeconds.orElse(null));
    m.put("paused", error.isPresent() ? null : paused.isPresent());
    m.put("paused_by", paused.orElse(null));
    m.put("request", request.map(EtcdClusterStatus::parsed).orElse(null));
    m.put("preferred", preferred.orElse(null));
    m.put("sync", sync.orElse(null));
    m.put("history", history.map(EtcdClusterStatus::parsed).orElse(null));
    Map<String, Object> byName = new java.util.TreeMap<>();
    members.forEach((name, value) -> byName.put(name, parsed(value)));
    m.put("members", byName);
    return m;
  }

  /** A key's JSON value as JSON (the text itself when it is not JSON). */
  private static Object parsed(String value) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return value;
    }
  }
}
