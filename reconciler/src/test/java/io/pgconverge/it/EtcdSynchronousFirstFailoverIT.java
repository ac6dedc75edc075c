package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

/**
 * {@link EtcdSynchronousFailoverIT}'s rounds under {@code replication.synchronous: {method: first,
 * number: 1}}: only the member of etcd's {@code sync} key may be promoted, so each round waits
 * (bounded) until a standby is in the key before the primary's host is lost. The new primary's
 * list, given just before its promotion, is {@code FIRST 1} over every eligible standby (the key
 * is empty then); the watch shows it never accepts writes without one, and every acknowledged id
 * is on it.
 */
class EtcdSynchronousFirstFailoverIT extends EtcdSynchronousFailoverIT {
  @Override
  void configure(FailoverLab lab) {
    lab.cluster().synchronous("{method: first, number: 1}");
  }

  @Override
  String scenario() {
    return "synchronous first 1 under etcd";
  }

  @Override
  void beforeTheLoss(int round) {
    assertThat(FailoverLab.await(() -> !lab.syncKeyMembers().isEmpty(), Duration.ofSeconds(60)))
        .as("round %d: a standby is in the sync key before the primary is lost\n%s", round, lab.transcript()).isTrue();
  }
}
