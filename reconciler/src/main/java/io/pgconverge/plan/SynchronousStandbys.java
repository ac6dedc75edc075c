package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.OwnedSetting;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.observe.ReplicationRow;
import io.pgconverge.observe.ServerFact;
import java.util.List;
import java.util.Optional;

/**
 * The value of {@code synchronous_standby_names} this host must have, from {@code
 * replication.synchronous} and, under {@code strict: false}, from the standbys that stream now.
 * Pure: the desired state and the observed {@code pg_stat_replication} decide it.
 *
 * <ol>
 *   <li>No synchronous section, or this host is a replica: no value (the setting is left out of
 *       postgresql.conf, so the server has its default, empty: asynchronous).
 *   <li>This host is the primary: {@code ANY n ("a", "b")} or {@code FIRST n ("a", "b")} over the
 *       eligible peers (no {@code nosync: true}) other than itself, in the order of {@code peers}.
 *       The names are the application names each replica's primary_conninfo sets (its peer name),
 *       double-quoted so that names with '-' or '.' parse.
 *   <li>{@code strict: false}, the server runs (a primary, or a standby about to be promoted) and
 *       fewer than {@code number} of the listed standbys stream to it ({@link
 *       ReplicationRow#streaming}): degraded, the value is empty (asynchronous) until enough stream
 *       again; then the declared list comes back (a reload). A server that is not running is not
 *       judged: the declared list. {@code strict: true} never degrades: commits wait instead.
 *   <li>Under {@code failover.mode: etcd} with method {@code first} the leader's failover loop
 *       chooses the list ({@link SynchronousSpec#chosen}, handed in by {@link #withChosen}): the
 *       primary renders {@code FIRST n ("a")} over exactly those standbys, and degrades only when
 *       the loop says so (it empties the {@code sync} key first); this class then judges nothing
 *       itself. See {@code failover/SyncKeyStep} for the order of the changes.
 * </ol>
 */
public final class SynchronousStandbys {
  public static final String SETTING = "synchronous_standby_names";

  private SynchronousStandbys() {}

  /**
   * What the primary writes and why.
   *
   * @param declared the list the desired state asks for ({@code ANY 1 ("a", "b")})
   * @param effective the value written: {@code declared}, or empty while degraded
   * @param streaming the listed standbys that stream now (empty when the server is not running)
   * @param missing the listed standbys that do not
   */
  public record Decision(String declared, String effective, boolean strict, int number, List<String> streaming,
      List<String> missing) {
    public Decision {
      streaming = List.copyOf(streaming);
      missing = List.copyOf(missing);
    }

    /** True when the primary dropped to asynchronous ({@code strict: false}, too few standbys stream). */
    public boolean degraded() {
      return !declared.equals(effective);
    }

    /** One line for the log and the status file; empty when not degraded. */
    public String reason() {
      if (!degraded()) {
        return "";
      }
      return "synchronous replication degraded to asynchronous: " + streaming.size() + " of the " + number
          + " standby(s) needed stream" + (missing.isEmpty() ? "" : " (not streaming: " + String.join(", ", missing) + ")")
          + "; strict: false, so commits are acknowledged without waiting for a standby and a failover now may lose them";
    }
  }

  /** The declared value for this host, or empty when the setting is not written. */
  public static Optional<String> of(DesiredState desired) {
    return OwnedSetting.SYNCHRONOUS_STANDBY_NAMES.value(desired);
  }

  /**
   * The decision on the desired primary with a synchronous section, over what {@code server}
   * reports; empty on a replica or without the section.
   */
  public static Optional<Decision> decide(DesiredState desired, ServerFact server) {
    Optional<SynchronousSpec> spec = desired.replication().flatMap(ReplicationSpec::synchronous);
    Optional<String> declared = of(desired);
    if (spec.isEmpty() || declared.isEmpty()) {
      return Optional.empty();
    }
    SynchronousSpec s = spec.get();
    List<String> listed = listed(desired, s);
    // chosen by the failover loop: the value as it renders it, degraded only as the loop decided
    String wanted = s.chosen().isPresent() ? s.standbyNames(desired.self()) : declared.get();
    if (!(server instanceof ServerFact.Running r)) {
      return Optional.of(new Decision(wanted, s.chosen().isPresent() && s.degraded() ? "" : wanted, s.strict(), s.number(),
          List.of(), listed));
    }
    List<String> streaming = listed.stream().filter(n -> streams(r.replication().senders(), n)).toList();
    List<String> missing = listed.stream().filter(n -> !streaming.contains(n)).toList();
    boolean degraded = s.chosen().isPresent() ? s.degraded() : !s.strict() && streaming.size() < s.number();
    return Optional.of(new Decision(wanted, degraded ? "" : wanted, s.strict(), s.number(), streaming, missing));
  }

  /** {@code desired} as the planner must render it: with the primary degraded when {@link #decide} says so. */
  static DesiredState effective(DesiredState desired, ServerFact server) {
    if (decide(desired, server).filter(Decision::degraded).isEmpty()) {
      return desired;
    }
    return withSpec(desired, desired.replication().flatMap(ReplicationSpec::synchronous).map(SynchronousSpec::asDegraded));
  }

  /**
   * {@code desired} with the list the failover loop chose for this primary ({@code failover.mode:
   * etcd}, method {@code first}): synchronous_standby_names names exactly {@code standbys}, or is
   * empty when {@code degraded}. Unchanged without a synchronous section. Has no side effects.
   */
  public static DesiredState withChosen(DesiredState desired, List<String> standbys, boolean degraded) {
    Optional<SynchronousSpec> spec = desired.replication().flatMap(ReplicationSpec::synchronous);
    return spec.isEmpty() ? desired : withSpec(desired, spec.map(s -> s.withChosen(standbys, degraded)));
  }

  private static DesiredState withSpec(DesiredState desired, Optional<SynchronousSpec> synchronous) {
    Optional<ReplicationSpec> replication = desired.replication().map(r -> new ReplicationSpec(r.user(), r.passwordFile(),
        r.slots(), synchronous));
    return new DesiredState(desired.source(), desired.version(), desired.cluster(), desired.self(), desired.peers(),
        desired.postgres(), desired.roles(), replication, desired.policy(), desired.locations(), desired.schedule(),
        desired.failover());
  }

  /**
   * The standby names of a synchronous_standby_names value in the form this class renders ({@code
   * FIRST 1 ("a", "b")}, {@code ANY 2 (a, b)}), with its number; empty for any other form ({@code
   * *}, the old {@code 1 (a)}, a lone name); {@code ""} is number 0 and no names (asynchronous).
   * Has no side effects.
   */
  public static Optional<Listed> parse(String value) {
    String v = value == null ? "" : value.strip();
    if (v.isEmpty()) {
      return Optional.of(new Listed("", 0, List.of()));
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)(FIRST|ANY)\\s+([0-9]{1,4})\\s*\\((.*)\\)").matcher(v);
    if (!m.matches()) {
      return Optional.empty();
    }
    List<String> names = new java.util.ArrayList<>();
    for (String part : m.group(3).split(",", -1)) {
      String n = part.strip();
      if (n.length() >= 2 && n.startsWith("\"") && n.endsWith("\"")) {
        n = n.substring(1, n.length() - 1).replace("\"\"", "\"");
      } else if (n.isEmpty() || n.contains("\"") || n.equals("*")) {
        return Optional.empty();
      }
      names.add(n);
    }
    return Optional.of(new Listed(m.group(1).toUpperCase(java.util.Locale.ROOT), Integer.parseInt(m.group(2)), names));
  }

  /** A parsed synchronous_standby_names: {@code method} FIRST, ANY or "" (empty value). */
  public record Listed(String method, int number, List<String> names) {
    public Listed {
      names = List.copyOf(names);
    }
  }

  /**
   * On the primary with {@code strict} synchronous replication, why commits wait now: fewer of the
   * listed standbys stream than {@code number}. Empty when enough stream, or nothing waits.
   */
  public static Optional<String> commitsWaiting(DesiredState desired, List<ReplicationRow> senders) {
    Optional<SynchronousSpec> spec = desired.replication().flatMap(ReplicationSpec::synchronous);
    if (of(desired).isEmpty() || spec.isEmpty() || !spec.get().strict()) {
      return Optional.empty();
    }
    List<String> listed = listed(desired, spec.get());
    long streaming = listed.stream().filter(n -> streams(senders, n)).count();
    if (streaming >= spec.get().number()) {
      return Optional.empty();
    }
    return Optional.of("commits wait for standbys: " + streaming + " of the " + spec.get().number()
        + " needed stream (" + String.join(", ", listed) + "); strict, so writes block until one is back");
  }

  /** The standbys synchronous_standby_names lists on this primary (the chosen ones, if any), in the order of peers. */
  private static List<String> listed(DesiredState desired, SynchronousSpec spec) {
    return spec.chosen().filter(c -> !c.isEmpty()).orElse(spec.eligible()).stream().filter(n -> !n.equals(desired.self())).toList();
  }

  private static boolean streams(List<ReplicationRow> senders, String name) {
    return senders.stream().anyMatch(r -> r.streaming() && name.equals(r.applicationName()));
  }
}
