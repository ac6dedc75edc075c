package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.OwnedSetting;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.observe.ReplicationRow;
import java.util.List;
import java.util.Optional;

/**
 * The value of {@code synchronous_standby_names} this host must have, from {@code
 * replication.synchronous}. Pure: the desired state alone decides it.
 *
 * <ul>
 *   <li>No synchronous section, or this host is a replica: no value (the setting is left out of
 *       postgresql.conf, so the server has its default, empty: asynchronous).
 *   <li>This host is the primary: {@code ANY n ("a", "b")} or {@code FIRST n ("a", "b")} over the
 *       eligible peers (no {@code nosync: true}) other than itself, in the order of {@code peers}.
 *       The names are the application names each replica's primary_conninfo sets (its peer name),
 *       double-quoted so that names with '-' or '.' parse.
 * </ul>
 */
public final class SynchronousStandbys {
  public static final String SETTING = "synchronous_standby_names";

  private SynchronousStandbys() {}

  /** The value for this host, or empty when the setting is not written. */
  public static Optional<String> of(DesiredState desired) {
    return OwnedSetting.SYNCHRONOUS_STANDBY_NAMES.value(desired);
  }

  /**
   * On the primary with {@code strict} synchronous replication, why commits wait now: fewer of the
   * listed standbys stream than {@code number}. Empty when enough stream, or nothing waits.
   */
  public static Optional<String> commitsWaiting(DesiredState desired, List<ReplicationRow> senders) {
    Optional<SynchronousSpec> spec = desired.replication().flatMap(ReplicationSpec::synchronous);
    if (of(desired).isEmpty() || spec.isEmpty()) {
      return Optional.empty();
    }
    List<String> listed = spec.get().eligible().stream().filter(n -> !n.equals(desired.self())).toList();
    long streaming = senders.stream().filter(r -> r.streaming() && listed.contains(r.applicationName())).count();
    if (streaming >= spec.get().number()) {
      return Optional.empty();
    }
    return Optional.of("commits wait for standbys: " + streaming + " of the " + spec.get().number()
        + " needed stream (" + String.join(", ", listed) + "); strict, so writes block until one is back");
  }
}
