package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.plan.SynchronousStandbys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@code replication.synchronous: {method: first, number: 1}} under {@code failover.mode: etcd},
 * three daemons in their namespaces ({@link FailoverLab}): the primary's {@code
 * synchronous_standby_names}, polled beside etcd's {@code sync} key, always names exactly one
 * standby and every member of the key, so PostgreSQL cannot make a standby synchronous that the key
 * does not name. When the synchronous standby's host dies (postmaster and daemon killed -9), the
 * other standby is named in the list first and joins the key after, and commits return again.
 */
class SyncFirstOrderScenarioIT extends FailoverScenario {

  @Override
  void configure(FailoverLab lab) {
    lab.cluster().synchronous("{method: first, number: 1}");
  }

  /** One look: the key's members read before and after the primary's list (the two agree, or the key moved meanwhile). */
  private record Poll(long atMillis, List<String> keyBefore, List<String> listed, List<String> keyAfter) {
    boolean keySteady() {
      return keyBefore.equals(keyAfter);
    }
  }

  private List<String> keyMembers() {
    return lab.syncKeyMembers();
  }

  /** The key (linearizable etcdctl reads inside etcd's namespace), the list over a long-lived session, the key again. */
  private Poll poll(PsqlSession session, long t0) {
    List<String> before = keyMembers();
    Optional<List<String>> show = session.run("show synchronous_standby_names", Duration.ofSeconds(10));
    String value = show.map(l -> String.join("", l).trim()).orElse("(no answer)");
    // a value that is no list (or no answer) shows as two entries, so that "names exactly one" fails on it
    List<String> listed = SynchronousStandbys.parse(value).map(SynchronousStandbys.Listed::names)
        .orElse(List.of("(not a list:", value + ")"));
    return new Poll((System.nanoTime() - t0) / 1_000_000, before, listed, keyMembers());
  }

  /** Polls back to back until {@code done} holds for a poll (true) or {@code timeout} passes (false). */
  private boolean pollUntil(PsqlSession session, long t0, List<Poll> polls, java.util.function.Predicate<Poll> done, Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < until) {
      Poll p = poll(session, t0);
      polls.add(p);
      if (done.test(p)) {
        return true;
      }
    }
    return false;
  }

  @Test
  @Order(1)
  void theListNamesOneStandbyAndEveryKeyMemberAndASwapListsTheOtherBeforeTheKeyDoes() {
    ClusterNode primary = lab.awaitHealthy(FailoverLab.FORMATION);
    long t0 = System.nanoTime();
    List<Poll> polls = new ArrayList<>();
    try (Writer writer = Writer.startOverSessions(cluster, FailoverLab.TABLE, 1); PsqlSession session = PsqlSession.open(primary)) {
      boolean inKey = pollUntil(session, t0, polls, p -> p.keySteady() && p.keyBefore().size() == 1, Duration.ofSeconds(60));
      assertThat(inKey).as("a standby joins the sync key; polls %s\n%s", polls, lab.transcript()).isTrue();
      String sync = polls.get(polls.size() - 1).keyBefore().get(0);
      ClusterNode victim = cluster.nodes().stream().filter(n -> n.name().equals(sync)).findFirst().orElseThrow();
      ClusterNode other = lab.others(primary).stream().filter(n -> n != victim).findFirst().orElseThrow();
      assertThat(writer.awaitMore(5, 30_000)).as("commits return while %s is synchronous", sync).isTrue();
      pollUntil(session, t0, polls, p -> false, Duration.ofSeconds(3));

      lab.killHost(victim);
      int killedAt = polls.size();
      boolean swapped = pollUntil(session, t0, polls, p -> p.keySteady() && p.keyBefore().equals(List.of(other.name())),
          Duration.ofSeconds(60));
      assertThat(swapped).as("%s becomes the synchronous standby in the key; polls %s\n%s", other.name(), polls.subList(killedAt,
          polls.size()), lab.transcript()).isTrue();
      assertThat(writer.awaitMore(5, 30_000)).as("commits return once %s is synchronous", other.name()).isTrue();

      List<Poll> steady = polls.stream().filter(Poll::keySteady).toList();
      System.out.printf("sync first 1: %d polls (%d with the key steady), %s synchronous, %s killed at %d ms, %s in the key at %d ms%n",
          polls.size(), steady.size(), sync, sync, polls.get(killedAt).atMillis(), other.name(),
          polls.get(polls.size() - 1).atMillis());
      assertThat(polls).as("the primary's list names exactly one standby at every poll")
          .allSatisfy(p -> assertThat(p.listed()).as("at %d ms", p.atMillis()).hasSize(1));
      assertThat(steady).as("every member of the sync key is in the primary's list at every poll")
          .allSatisfy(p -> assertThat(p.listed()).as("at %d ms (key %s)", p.atMillis(), p.keyBefore()).containsAll(p.keyBefore()));
      List<Poll> after = polls.subList(killedAt, polls.size());
      int listedOther = indexOf(after, p -> p.listed().equals(List.of(other.name())));
      int keyedOther = indexOf(after, p -> p.keyBefore().contains(other.name()));
      assertThat(listedOther).as("%s named in the list after the kill; polls %s", other.name(), after).isGreaterThanOrEqualTo(0);
      assertThat(after.stream().anyMatch(p -> p.keySteady() && p.keyBefore().isEmpty() && p.listed().equals(List.of(other.name()))))
          .as("a poll saw %s listed while the key was still empty (list first, key second); polls %s", other.name(), after).isTrue();
      assertThat(listedOther).as("listed before it is in the key").isLessThan(keyedOther);
    }
  }

  private static int indexOf(List<Poll> polls, java.util.function.Predicate<Poll> p) {
    for (int i = 0; i < polls.size(); i++) {
      if (p.test(polls.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
