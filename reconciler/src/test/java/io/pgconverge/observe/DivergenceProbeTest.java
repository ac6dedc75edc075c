package io.pgconverge.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When the divergence check is made at all: only when it can matter. */
class DivergenceProbeTest {
  private static ServerFact.Running server(boolean inRecovery, int timeline, Optional<WalReceiverRow> receiver) {
    return new ServerFact.Running(150000, inRecovery, Instant.EPOCH, Map.of(), Map.of(), List.of(),
        new ServerFact.Replication("7300000000000000001", timeline, List.of(), List.of(), receiver, true));
  }

  private static PrimaryFact.Reachable primary(int timeline, boolean inRecovery) {
    return new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered("7300000000000000001", timeline, inRecovery, Map.of()));
  }

  private static Optional<WalReceiverRow> receiver(String status) {
    return Optional.of(new WalReceiverRow(status, "10.0.0.11", 5432, "pgc_node2", 1));
  }

  @Test
  void dueForAStandbyThatDoesNotStreamFromAPrimaryOnALaterTimeline() {
    assertThat(DivergenceProbe.due(server(true, 1, Optional.empty()), primary(2, false))).isTrue();
    assertThat(DivergenceProbe.due(server(true, 1, receiver("waiting")), primary(2, false))).isTrue();
    assertThat(DivergenceProbe.due(server(true, 1, Optional.of(new WalReceiverRow("streaming", "10.0.0.13", 5432, "pgc_node2", 1))),
        primary(2, false))).as("still streaming from the former primary, whose link is gone").isTrue();
  }

  @Test
  void notDueInTheSteadyStateNorWhenThePrimaryCannotBeAskedOrIsNoPrimaryYet() {
    assertThat(DivergenceProbe.due(server(true, 1, receiver("streaming")), primary(2, false))).as("streaming from it").isFalse();
    assertThat(DivergenceProbe.due(server(true, 2, Optional.empty()), primary(2, false))).as("same timeline").isFalse();
    assertThat(DivergenceProbe.due(server(true, 1, Optional.empty()), primary(2, true))).as("not promoted yet").isFalse();
    assertThat(DivergenceProbe.due(server(true, 1, Optional.empty()), new PrimaryFact.Unreachable("10.0.0.11", 5432, "refused")))
        .as("unreachable").isFalse();
    assertThat(DivergenceProbe.due(server(false, 1, Optional.empty()), primary(2, false))).as("a primary").isFalse();
    assertThat(DivergenceProbe.due(new ServerFact.NotRunning("stopped"), primary(2, false))).as("stopped").isFalse();
  }

  @Test
  void theHistoryComesAsTextOrHexEscaped() {
    assertThat(DivergenceProbe.text("1\t0/3000060\tx\n")).isEqualTo("1\t0/3000060\tx\n");
    assertThat(DivergenceProbe.text("\\x310a")).isEqualTo("1\n");
    assertThat(DivergenceProbe.text(null)).isEmpty();
  }
}
