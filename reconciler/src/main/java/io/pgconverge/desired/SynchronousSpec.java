package io.pgconverge.desired;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code replication.synchronous}: how many standbys must confirm each commit, and which peers
 * may be one of them.
 *
 * @param method {@code any} (quorum: any {@code number} of the list) or {@code first} (the first
 *     {@code number} of the list that stream, in the order of peers)
 * @param number standbys that must confirm each commit, 1 or more
 * @param strict true (default): never fall back to asynchronous; writes wait instead
 * @param eligible the peers that may be synchronous (every peer without {@code nosync: true}), in
 *     the order of {@code peers}
 * @param degraded true only in the copy the planner makes when {@code strict} is false and fewer
 *     than {@code number} eligible standbys stream: the primary then writes
 *     synchronous_standby_names empty (asynchronous) until enough stream again; never from the file
 * @param chosen under {@code failover.mode: etcd} with method {@code first}, the standbys the
 *     leader's failover loop chose ({@code FailoverAgent}, {@code failover/SyncKeyStep}): the
 *     primary's list names exactly these, never every eligible peer; empty (the file's, and file
 *     mode): every eligible peer. Never from the file
 */
public record SynchronousSpec(Method method, int number, boolean strict, List<String> eligible, boolean degraded,
    Optional<List<String>> chosen) {
  /** The two methods of synchronous_standby_names. */
  public enum Method {
    ANY,
    FIRST;

    /** The word in the desired-state file and in synchronous_standby_names. */
    public String yamlName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public SynchronousSpec {
    eligible = List.copyOf(eligible);
    chosen = chosen.map(List::copyOf);
  }

  /** Every eligible peer listed, as the file declares it. */
  public SynchronousSpec(Method method, int number, boolean strict, List<String> eligible, boolean degraded) {
    this(method, number, strict, eligible, degraded, Optional.empty());
  }

  /** As the desired-state file declares it: not degraded. */
  public SynchronousSpec(Method method, int number, boolean strict, List<String> eligible) {
    this(method, number, strict, eligible, false);
  }

  /** This section with the primary dropped to asynchronous (only for {@code strict: false}). */
  public SynchronousSpec asDegraded() {
    return new SynchronousSpec(method, number, strict, eligible, true, chosen);
  }

  /**
   * This section with the list the failover loop chose: synchronous_standby_names names exactly
   * {@code standbys}; {@code degraded}: empty (asynchronous), as the loop decided.
   */
  public SynchronousSpec withChosen(List<String> standbys, boolean degraded) {
    return new SynchronousSpec(method, number, strict, eligible, degraded, Optional.of(standbys));
  }

  /**
   * synchronous_standby_names on {@code primary}: {@code ANY n ("a", "b")} or {@code FIRST n (...)}
   * over the eligible peers but the primary (or, when {@link #chosen} names any, over those), in
   * the order of peers, double-quoted (names with '-' or '.' parse).
   */
  public String standbyNames(String primary) {
    List<String> names = chosen.filter(c -> !c.isEmpty()).orElse(eligible);
    return method.name() + " " + number + " ("
        + names.stream().filter(n -> !n.equals(primary)).map(n -> "\"" + n + "\"").collect(Collectors.joining(", ")) + ")";
  }
}
