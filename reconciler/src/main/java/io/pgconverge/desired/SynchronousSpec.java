package io.pgconverge.desired;

import java.util.List;
import java.util.Locale;
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
 */
public record SynchronousSpec(Method method, int number, boolean strict, List<String> eligible) {
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
  }

  /**
   * synchronous_standby_names on {@code primary}: {@code ANY n ("a", "b")} or {@code FIRST n (...)}
   * over the eligible peers but the primary, in the order of peers, double-quoted (names with '-'
   * or '.' parse).
   */
  public String standbyNames(String primary) {
    return method.name() + " " + number + " ("
        + eligible.stream().filter(n -> !n.equals(primary)).map(n -> "\"" + n + "\"").collect(Collectors.joining(", ")) + ")";
  }
}
