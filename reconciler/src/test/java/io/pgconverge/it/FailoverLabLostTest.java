package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

/**
 * The failover tests' count of lost ids while the writer still writes: an id the new primary
 * acknowledges while its table is being read is not lost (it was committed after the read began);
 * an id acknowledged before and absent from the table is.
 */
class FailoverLabLostTest {
  @Test
  void anIdAcknowledgedWhileTheTableIsReadIsNotCountedAsLost() {
    ConcurrentSkipListSet<Long> acknowledged = new ConcurrentSkipListSet<>(Set.of(1L, 2L, 3L));
    NavigableSet<Long> lost = FailoverLab.lost(() -> new TreeSet<>(acknowledged), () -> {
      Set<Long> table = Set.of(1L, 2L, 3L);
      acknowledged.add(4L); // the writer's next insert returns while the read runs
      acknowledged.add(5L);
      return table;
    });

    assertThat(lost).isEmpty();
  }

  @Test
  void anIdAcknowledgedBeforeTheReadAndMissingFromTheTableIsLost() {
    NavigableSet<Long> lost = FailoverLab.lost(() -> new TreeSet<>(Set.of(1L, 2L, 3L)), () -> Set.of(1L, 3L));

    assertThat(lost).containsExactly(2L);
  }
}
