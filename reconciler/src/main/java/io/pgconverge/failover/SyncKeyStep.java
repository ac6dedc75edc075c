package io.pgconverge.failover;

import io.pgconverge.desired.SynchronousSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The leader's synchronous standbys under {@code failover.mode: etcd} with method {@code first}:
 * which standbys the primary's {@code synchronous_standby_names} names ({@code FIRST n (...)}, the
 * {@link Choice} handed to the reconcile run that renders it) and which the {@code sync} key lists.
 * Pure: no I/O, no clock; the agent reads, this decides, the agent writes the key and only then
 * hands the choice on.
 *
 * <p><b>The invariant</b> (Patroni's for {@code synchronous_mode}): <em>every commit the primary
 * has acknowledged was flushed by every member of the {@code sync} key</em>, so promoting a member
 * of the key (the only automatic promotion {@link FailoverStep} allows under {@code first}) loses
 * no acknowledged commit. It holds because, at every instant, (a) the list PostgreSQL has loaded
 * names at most {@code n} standbys under {@code FIRST n}, so a commit is acknowledged only once
 * <em>every</em> listed standby confirmed it (fewer listed than {@code n}: nothing is
 * acknowledged), and no unlisted standby can become synchronous in the place of one that
 * disconnects; (b) every member of the key is in that loaded list; (c) a standby joins the key only
 * once its flush position passed the primary's WAL position read after it was first seen
 * synchronous in the loaded list, so it also holds what was acknowledged before. (b) is kept by the
 * order of the changes: a standby is in the loaded list (and {@code pg_stat_replication} says
 * {@code sync}) before it is added to the key, and it is removed from the key (written) before the
 * choice that drops it is handed to the run. A new primary empties the key before it promotes,
 * and its server gets {@code FIRST n} over every eligible standby just before the promotion (so
 * its first commits wait for a standby; that list is not exact, so nobody joins the key until the
 * run has loaded the list chosen here).
 *
 * <ol>
 *   <li>The standbys are the eligible peers but us, in the order of {@code peers}. The key's
 *       members that are not such a standby (us, a peer removed or made {@code nosync}) are
 *       dropped, and so is any beyond {@code n}.
 *   <li>The target list: the key's members that stream, topped up with the other streaming
 *       standbys in the order of peers, up to {@code n}. Fewer than {@code n} stream: with {@code
 *       strict} the list keeps the key's members (writes wait for them), topped up with the ones
 *       that stream, then the last list handed, then peers order; without {@code strict} the
 *       primary degrades to asynchronous (an empty list) once the key is empty. Without an
 *       observation of the walsenders (the server does not answer, or is not writable yet) the
 *       list is the key's members topped up with the last list handed.
 *   <li>The new key: the members that are in the target and in the loaded list, where the loaded
 *       list is exact (at most {@code n} names under {@code FIRST n}, or empty); plus, once the
 *       loaded list is the one last handed (the run applied it), each target standby that the
 *       loaded list names, that {@code pg_stat_replication} reports {@code sync}, and whose flush
 *       position has reached our WAL position of the loop it was first seen so.
 *   <li>The choice may be handed to the run only when the key as it stands (written, or as read
 *       when the write failed) is inside the target ({@link Change#handable}).
 * </ol>
 */
public final class SyncKeyStep {
  private SyncKeyStep() {}

  /** What synchronous_standby_names names on the primary: exactly {@code standbys}, or nothing while {@code degraded}. */
  public record Choice(List<String> standbys, boolean degraded) {
    public Choice {
      standbys = List.copyOf(standbys);
    }
  }

  /** One walsender that streams: its application name, {@code pg_stat_replication.sync_state}, flush position. */
  public record Walsender(String name, String syncState, long flushLsn) {}

  /**
   * What the primary's server showed this loop: the walsenders that stream, then (read after
   * them) its WAL position, and the names its loaded synchronous_standby_names lists under {@code
   * FIRST loadedNumber} (empty: a form that is not {@code FIRST k (...)} nor {@code ""}; an empty
   * value is number 0 and no names).
   */
  public record Observed(List<Walsender> streaming, long walAfter, Optional<List<String>> loaded, int loadedNumber) {
    public Observed {
      streaming = List.copyOf(streaming);
      loaded = loaded.map(List::copyOf);
    }
  }

  /**
   * The decision.
   *
   * @param key the {@code sync} key's members to write (equal to those read: nothing to write)
   * @param choice the list to hand to the run once the key is written
   * @param joining the standbys seen synchronous but not in the key yet, with our WAL position
   *     when first seen so (kept by the agent for the next loop)
   * @param reason one line for the log
   */
  public record Change(List<String> key, Choice choice, Map<String, Long> joining, String reason) {
    public Change {
      key = List.copyOf(key);
      joining = Map.copyOf(joining);
    }

    /** True when the choice may be handed on while the key lists {@code keyNow}: every standby the key lists is in the choice. */
    public boolean handable(List<String> keyNow, List<String> standbys) {
      return keyNow.stream().filter(standbys::contains).allMatch(choice.standbys()::contains);
    }
  }

  /**
   * Decides the key and the list for this loop; has no side effects.
   *
   * @param spec {@code replication.synchronous} (method {@code first})
   * @param self this member (the leader)
   * @param key the {@code sync} key's members as read this loop (empty list: none, or no key)
   * @param observed the server's walsenders and loaded list; empty when not observed
   * @param previous the choice last handed to the run, if any
   * @param joining as the previous loop's {@link Change#joining}
   */
  public static Change decide(SynchronousSpec spec, String self, List<String> key, Optional<Observed> observed,
      Optional<Choice> previous, Map<String, Long> joining) {
    int n = spec.number();
    List<String> standbys = standbys(spec, self);
    List<String> kept = key.stream().filter(standbys::contains).distinct().limit(n).toList();
    List<String> last = previous.map(Choice::standbys).orElse(List.of());
    if (observed.isEmpty()) {
      boolean degraded = !spec.strict() && kept.isEmpty() && previous.map(Choice::degraded).orElse(false);
      Choice choice = degraded ? new Choice(List.of(), true) : new Choice(topUp(n, standbys, kept, last, standbys), false);
      return new Change(kept, choice, Map.of(), "the walsenders were not read: the key keeps its members, the list keeps them");
    }
    Observed o = observed.get();
    Map<String, Walsender> streaming = new HashMap<>();
    o.streaming().forEach(w -> streaming.put(w.name(), w));
    List<String> streams = standbys.stream().filter(streaming::containsKey).toList();
    List<String> candidates = topUp(n, standbys, kept.stream().filter(streams::contains).toList(), streams);
    Choice choice;
    if (candidates.size() == n) {
      choice = new Choice(candidates, false);
    } else if (spec.strict()) {
      choice = new Choice(topUp(n, standbys, kept, candidates, last, standbys), false);
    } else {
      choice = new Choice(List.of(), true);
    }
    boolean exact = o.loaded().isPresent() && (o.loaded().get().isEmpty() || o.loadedNumber() == n && o.loaded().get().size() <= n);
    List<String> loaded = exact ? o.loaded().get() : List.of();
    boolean applied = exact && previous.isPresent() && new HashSet<>(loaded).equals(new HashSet<>(previous.get().standbys()))
        && loaded.isEmpty() == previous.get().degraded();
    Set<String> members = new LinkedHashSet<>();
    kept.stream().filter(choice.standbys()::contains).filter(loaded::contains).forEach(members::add);
    Map<String, Long> stillJoining = new HashMap<>();
    List<String> joined = new ArrayList<>();
    if (applied) {
      for (String name : choice.standbys()) {
        Walsender w = streaming.get(name);
        if (members.contains(name) || w == null || !loaded.contains(name) || !w.syncState().equals("sync")) {
          continue;
        }
        long since = joining.getOrDefault(name, o.walAfter());
        if (w.flushLsn() >= since && joining.containsKey(name)) {
          joined.add(name);
        } else {
          stillJoining.put(name, since);
        }
      }
    }
    members.addAll(joined);
    List<String> newKey = standbys.stream().filter(members::contains).toList();
    return new Change(newKey, choice, stillJoining, reason(key, newKey, choice, applied, stillJoining.keySet()));
  }

  /** The eligible peers but {@code self}, in the order of peers: the standbys the list may name. */
  public static List<String> standbys(SynchronousSpec spec, String self) {
    return spec.eligible().stream().filter(s -> !s.equals(self)).toList();
  }

  /** The first {@code n} distinct names of {@code sources} in turn, kept to {@code standbys}, in the order of peers. */
  @SafeVarargs
  private static List<String> topUp(int n, List<String> standbys, List<String>... sources) {
    Set<String> picked = new LinkedHashSet<>();
    for (List<String> source : sources) {
      for (String name : source) {
        if (picked.size() < n && standbys.contains(name)) {
          picked.add(name);
        }
      }
    }
    return standbys.stream().filter(picked::contains).toList();
  }

  private static String reason(List<String> was, List<String> key, Choice choice, boolean applied, Set<String> joining) {
    String list = choice.degraded() ? "asynchronous (too few standbys stream; strict: false)" : "FIRST (" + String.join(", ", choice.standbys()) + ")";
    return "sync key " + (was.isEmpty() ? "empty" : String.join(", ", was)) + " -> " + (key.isEmpty() ? "empty" : String.join(", ", key))
        + ", synchronous_standby_names " + list + (applied ? "" : " (not yet loaded by the server)")
        + (joining.isEmpty() ? "" : "; catching up before joining the key: " + String.join(", ", new java.util.TreeSet<>(joining)));
  }
}
