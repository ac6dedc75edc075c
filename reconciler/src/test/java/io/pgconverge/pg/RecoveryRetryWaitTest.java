package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.pg.RecoveryRetryWait.Next;
import io.pgconverge.pg.RecoveryRetryWait.Upstream;
import org.junit.jupiter.api.Test;

class RecoveryRetryWaitTest {
  private static final Upstream NEW_PRIMARY = new Upstream("10.0.0.12", 5432, "pgc_node3");

  @Test
  void theUpstreamIsReadFromTheConninfoAndSlotThatWereLoaded() {
    Upstream u = Upstream.of("host=10.0.0.12 port=5433 user=replicator passfile=/x/.pgpass application_name=node3", "pgc_node3");

    assertThat(u).isEqualTo(new Upstream("10.0.0.12", 5433, "pgc_node3"));
    assertThat(Upstream.of("hostaddr=10.0.0.12 user=replicator", null)).isEqualTo(new Upstream("10.0.0.12", 5432, ""));
  }

  @Test
  void aReceiverStreamingFromTheNewUpstreamEndsTheWait() {
    assertThat(RecoveryRetryWait.next("streaming", "10.0.0.12", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY))
        .isEqualTo(Next.STREAMING);
  }

  @Test
  void theOldReceiverStillStreamingFromTheFormerPrimaryIsNotTheEnd() {
    assertThat(RecoveryRetryWait.next("streaming", "10.0.0.11", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY))
        .isEqualTo(Next.LOOK_AGAIN);
    assertThat(RecoveryRetryWait.next("streaming", "10.0.0.12", 5432, null, "RecoveryWalStream", NEW_PRIMARY))
        .as("streaming without the slot the reload named").isEqualTo(Next.LOOK_AGAIN);
  }

  @Test
  void aStartupProcessSittingOutTheRetryIntervalIsWokenAndAnAttemptUnderWayIsLeftAlone() {
    assertThat(RecoveryRetryWait.next(null, null, 0, null, "RecoveryRetrieveRetryInterval", NEW_PRIMARY)).isEqualTo(Next.WAKE);
    assertThat(RecoveryRetryWait.next("starting", "10.0.0.12", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY))
        .isEqualTo(Next.LOOK_AGAIN);
    assertThat(RecoveryRetryWait.next(null, null, 0, null, null, NEW_PRIMARY)).isEqualTo(Next.LOOK_AGAIN);
  }
}
