package io.pgconverge.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.failover.SyncKeyStep.Change;
import io.pgconverge.failover.SyncKeyStep.Choice;
import io.pgconverge.failover.SyncKeyStep.Observed;
import io.pgconverge.failover.SyncKeyStep.Walsender;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The leader's synchronous standbys under etcd with method first, loop by loop: a standby enters
 * synchronous_standby_names before the sync key, leaves the key before the list, and the list
 * names exactly {@code number} standbys, so no standby outside the key can be made synchronous.
 */
class SyncKeyStepTest {
  private static final List<String> PEERS = List.of("node1", "node2", "node3");
  private static final SynchronousSpec STRICT = new SynchronousSpec(SynchronousSpec.Method.FIRST, 1, true, PEERS);
  private static final SynchronousSpec LENIENT = new SynchronousSpec(SynchronousSpec.Method.FIRST, 1, false, PEERS);

  private static Optional<Observed> seen(long walAfter, List<String> loaded, Walsender... streaming) {
    return Optional.of(new Observed(List.of(streaming), walAfter, Optional.of(loaded), loaded.isEmpty() ? 0 : 1));
  }

  private static Walsender w(String name, String state, long flush) {
    return new Walsender(name, state, flush);
  }

  private static Optional<Choice> handed(String... standbys) {
    return Optional.of(new Choice(List.of(standbys), false));
  }

  @Test
  void aNewPrimaryNamesOneStreamingStandbyAndAddsItToTheKeyOnlyOnceTheServerLoadedItAndItCaughtUp() {
    // just promoted: the key was emptied, the server has no list yet, both standbys stream (async)
    Change first = SyncKeyStep.decide(STRICT, "node1", List.of(), seen(1000, List.of(), w("node2", "async", 900),
        w("node3", "async", 900)), Optional.empty(), Map.of());
    assertThat(first.choice()).isEqualTo(new Choice(List.of("node2"), false));
    assertThat(first.key()).as("not in the key before the server lists it").isEmpty();

    // the run rendered FIRST 1 ("node2"); node2 is sync now: first seen so at WAL 2000
    Change second = SyncKeyStep.decide(STRICT, "node1", first.key(), seen(2000, List.of("node2"), w("node2", "sync", 1500),
        w("node3", "async", 1500)), Optional.of(first.choice()), first.joining());
    assertThat(second.key()).as("sync, but not yet past the WAL position of when it was first seen so").isEmpty();
    assertThat(second.joining()).containsEntry("node2", 2000L);

    Change third = SyncKeyStep.decide(STRICT, "node1", second.key(), seen(2500, List.of("node2"), w("node2", "sync", 2000),
        w("node3", "async", 2000)), Optional.of(second.choice()), second.joining());
    assertThat(third.key()).containsExactly("node2");
    assertThat(third.choice()).isEqualTo(second.choice());
    assertThat(third.handable(third.key(), SyncKeyStep.standbys(STRICT, "node1"))).isTrue();
  }

  @Test
  void aStandbySeenSyncIsNotAddedWhileTheServerStillHasAnotherListThanTheOneHanded() {
    Change c = SyncKeyStep.decide(STRICT, "node1", List.of(), seen(2000, List.of("node3"), w("node2", "async", 2000),
        w("node3", "sync", 2000)), handed("node2"), Map.of("node3", 1000L));
    assertThat(c.key()).as("the run has not applied FIRST 1 (node2) yet").isEmpty();
    assertThat(c.joining()).isEmpty();
  }

  @Test
  void whenTheSyncStandbyDiesItLeavesTheKeyBeforeTheListNamesTheOther() {
    // node2 was sync and in the key; its server is gone: node3 streams alone
    Change swap = SyncKeyStep.decide(STRICT, "node1", List.of("node2"), seen(3000, List.of("node2"), w("node3", "potential", 3000)),
        handed("node2"), Map.of());
    assertThat(swap.key()).as("removed from the key first").isEmpty();
    assertThat(swap.choice()).isEqualTo(new Choice(List.of("node3"), false));
    List<String> standbys = SyncKeyStep.standbys(STRICT, "node1");
    assertThat(swap.handable(List.of("node2"), standbys)).as("not handed while the key still names node2").isFalse();
    assertThat(swap.handable(List.of(), standbys)).isTrue();

    // the list is FIRST 1 ("node3") now; node3 sync, then caught up: in the key
    Change seenSync = SyncKeyStep.decide(STRICT, "node1", swap.key(), seen(3500, List.of("node3"), w("node3", "sync", 3200)),
        Optional.of(swap.choice()), swap.joining());
    assertThat(seenSync.key()).isEmpty();
    Change joined = SyncKeyStep.decide(STRICT, "node1", seenSync.key(), seen(3600, List.of("node3"), w("node3", "sync", 3500)),
        Optional.of(seenSync.choice()), seenSync.joining());
    assertThat(joined.key()).containsExactly("node3");
  }

  @Test
  void theKeysMemberThatStillStreamsStaysChosenThoughAnEarlierPeerStreamsToo() {
    Change c = SyncKeyStep.decide(STRICT, "node1", List.of("node3"), seen(4000, List.of("node3"), w("node2", "potential", 4000),
        w("node3", "sync", 4000)), handed("node3"), Map.of());
    assertThat(c.choice().standbys()).containsExactly("node3");
    assertThat(c.key()).containsExactly("node3");
  }

  @Test
  void strictWithNoStandbyStreamingKeepsNamingTheKeysMemberSoWritesWait() {
    Change c = SyncKeyStep.decide(STRICT, "node1", List.of("node2"), seen(5000, List.of("node2")), handed("node2"), Map.of());
    assertThat(c.choice()).isEqualTo(new Choice(List.of("node2"), false));
    assertThat(c.key()).as("node2 still holds every acknowledged commit: nothing was acknowledged since").containsExactly("node2");
  }

  @Test
  void strictWithNoKeyAndNoStandbyStreamingNamesTheLastListHandedOrTheFirstPeer() {
    assertThat(SyncKeyStep.decide(STRICT, "node1", List.of(), seen(5000, List.of("node3")), handed("node3"), Map.of()).choice())
        .isEqualTo(new Choice(List.of("node3"), false));
    assertThat(SyncKeyStep.decide(STRICT, "node1", List.of(), seen(5000, List.of()), Optional.empty(), Map.of()).choice())
        .isEqualTo(new Choice(List.of("node2"), false));
  }

  @Test
  void withoutStrictTooFewStreamingEmptiesTheKeyBeforeTheListGoesAsynchronous() {
    Change c = SyncKeyStep.decide(LENIENT, "node1", List.of("node2"), seen(6000, List.of("node2")), handed("node2"), Map.of());
    assertThat(c.choice()).isEqualTo(new Choice(List.of(), true));
    assertThat(c.key()).isEmpty();
    assertThat(c.handable(List.of("node2"), SyncKeyStep.standbys(LENIENT, "node1"))).isFalse();

    Change back = SyncKeyStep.decide(LENIENT, "node1", List.of(), seen(7000, List.of(), w("node3", "async", 7000)),
        Optional.of(c.choice()), Map.of());
    assertThat(back.choice()).as("a standby streams again: synchronous to it").isEqualTo(new Choice(List.of("node3"), false));
    assertThat(back.key()).isEmpty();
  }

  @Test
  void aLoadedListOfMoreThanNumberStandbysEmptiesTheKey() {
    // the list of every eligible standby (file mode, or before this version): PostgreSQL may make either synchronous
    Optional<Observed> all = Optional.of(new Observed(List.of(w("node2", "sync", 8000), w("node3", "potential", 8000)), 8000,
        Optional.of(List.of("node2", "node3")), 1));
    Change c = SyncKeyStep.decide(STRICT, "node1", List.of("node2"), all, Optional.empty(), Map.of());
    assertThat(c.key()).isEmpty();
    assertThat(c.choice().standbys()).containsExactly("node2");
  }

  @Test
  void aListInAFormNotRenderedHereEmptiesTheKey() {
    Optional<Observed> star = Optional.of(new Observed(List.of(w("node2", "sync", 8000)), 8000, Optional.empty(), 0));
    assertThat(SyncKeyStep.decide(STRICT, "node1", List.of("node2"), star, handed("node2"), Map.of()).key()).isEmpty();
  }

  @Test
  void withoutAnObservationTheKeyAndTheListKeepTheirMembersButUsAndFormerPeersLeave() {
    Change c = SyncKeyStep.decide(STRICT, "node2", List.of("node2", "node3", "node9"), Optional.empty(), handed("node3"), Map.of());
    assertThat(c.key()).containsExactly("node3");
    assertThat(c.choice()).isEqualTo(new Choice(List.of("node3"), false));
  }

  @Test
  void twoOfThreeNamesExactlyTwoAndKeepsTheKeysStreamingMember() {
    SynchronousSpec two = new SynchronousSpec(SynchronousSpec.Method.FIRST, 2, true, List.of("node1", "node2", "node3", "node4"));
    Optional<Observed> o = Optional.of(new Observed(List.of(w("node2", "async", 9000), w("node4", "sync", 9000)), 9000,
        Optional.of(List.of("node3", "node4")), 2));
    Change c = SyncKeyStep.decide(two, "node1", List.of("node3", "node4"), o, handed("node3", "node4"), Map.of());
    assertThat(c.choice().standbys()).containsExactly("node2", "node4");
    assertThat(c.key()).containsExactly("node4");
  }
}
