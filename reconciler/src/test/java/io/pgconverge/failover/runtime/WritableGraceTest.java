package io.pgconverge.failover.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The holder of the leader key whose server crashed keeps the key only while the server can be
 * writable again before its lease ends: ttl 20 s, margin 5 s, so 15 s of not being writable.
 */
class WritableGraceTest {
  private static final long S = 1_000_000_000L;
  private final WritableGrace grace = new WritableGrace(Duration.ofSeconds(20), Duration.ofSeconds(5));

  @Test
  void aPrimaryWhoseServerStaysDownLongerThanTtlMinusMarginLetsTheKeyGo() {
    assertThat(grace.overdue(true, true, 0)).isFalse();
    assertThat(grace.overdue(true, false, 2 * S)).as("crashed: counting starts").isFalse();
    assertThat(grace.overdue(true, false, 16 * S)).as("14 s down").isFalse();
    assertThat(grace.notWritableMillis(16 * S)).isEqualTo(14_000);
    assertThat(grace.overdue(true, false, 17 * S + 1)).as("just over 15 s down").isTrue();
  }

  @Test
  void aServerWritableAgainInTimeKeepsTheKeyAndTheCountStartsAfresh() {
    grace.overdue(true, true, 0);
    grace.overdue(true, false, 1 * S);
    assertThat(grace.overdue(true, true, 10 * S)).isFalse();
    assertThat(grace.overdue(true, false, 12 * S)).isFalse();
    assertThat(grace.overdue(true, false, 26 * S)).as("14 s since the second crash").isFalse();
    assertThat(grace.overdue(true, false, 28 * S)).isTrue();
  }

  @Test
  void aHoldUnderWhichTheServerWasNeverWritableIsNotCounted() {
    // the bootstrap: the key is taken before initdb, the server comes up later
    assertThat(grace.overdue(true, false, 0)).isFalse();
    assertThat(grace.overdue(true, false, 60 * S)).isFalse();
  }

  @Test
  void losingTheHoldForgetsTheServerWasWritable() {
    grace.overdue(true, true, 0);
    grace.overdue(false, false, 1 * S);
    assertThat(grace.overdue(true, false, 2 * S)).isFalse();
    assertThat(grace.overdue(true, false, 60 * S)).isFalse();
  }
}
