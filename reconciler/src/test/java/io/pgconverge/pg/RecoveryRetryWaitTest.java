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
  void theSameReceiverStreamingFromTheNewUpstreamAtTwoLooksInARowEndsTheWait() {
    assertThat(RecoveryRetryWait.next("streaming", 4711, "10.0.0.12", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY, 0))
        .as("first seen streaming").isEqualTo(Next.CONFIRM);
    assertThat(RecoveryRetryWait.next("streaming", 4711, "10.0.0.12", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY, 4711))
        .as("still streaming at the next look").isEqualTo(Next.STREAMING);
  }

  @Test
  void aReceiverThatTheNewUpstreamRefusedAndItsSuccessorAreNotTakenForStreaming() {
    // 02:38:47.132 receiver 16584 starts, "streaming" with the new host and slot; 47.137 FATAL: replication slot
    // "pgc_node3" does not exist; 47.158 the second one fails the same way; the startup process waits 5 s
    assertThat(RecoveryRetryWait.next("streaming", 16584, "10.0.0.12", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY, 0))
        .isEqualTo(Next.CONFIRM);
    assertThat(RecoveryRetryWait.next(null, 0, null, 0, null, "RecoveryRetrieveRetryInterval", NEW_PRIMARY, 16584))
        .as("gone at the next look, the startup process in its retry wait").isEqualTo(Next.WAKE);
    assertThat(RecoveryRetryWait.next("streaming", 16589, "10.0.0.12", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY, 16584))
        .as("another receiver than the one seen before").isEqualTo(Next.CONFIRM);
  }

  @Test
  void theOldReceiverStillStreamingFromTheFormerPrimaryIsNotTheEnd() {
    assertThat(RecoveryRetryWait.next("streaming", 4711, "10.0.0.11", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY, 4711))
        .isEqualTo(Next.LOOK_AGAIN);
    assertThat(RecoveryRetryWait.next("streaming", 4711, "10.0.0.12", 5432, null, "RecoveryWalStream", NEW_PRIMARY, 4711))
        .as("streaming without the slot the reload named").isEqualTo(Next.LOOK_AGAIN);
  }

  @Test
  void aStartupProcessSittingOutTheRetryIntervalIsWokenAndAnAttemptUnderWayIsLeftAlone() {
    assertThat(RecoveryRetryWait.next(null, 0, null, 0, null, "RecoveryRetrieveRetryInterval", NEW_PRIMARY, 0)).isEqualTo(Next.WAKE);
    assertThat(RecoveryRetryWait.next("starting", 4711, "10.0.0.12", 5432, "pgc_node3", "RecoveryWalStream", NEW_PRIMARY, 0))
        .isEqualTo(Next.LOOK_AGAIN);
    assertThat(RecoveryRetryWait.next(null, 0, null, 0, null, null, NEW_PRIMARY, 0)).isEqualTo(Next.LOOK_AGAIN);
  }
}
