package io.pgconverge.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.pg.ControlData;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the local WAL ends in the rewind's report, as pg_rewind itself reads the control file. */
class RewindRunnerTest {
  private static ControlData control(String state, String checkpoint, int timeline, String minRecovery, String minTimeline) {
    return new ControlData("7300000000000000001", state, timeline, Map.of("Database cluster state", state,
        "Latest checkpoint location", checkpoint, "Minimum recovery ending location", minRecovery,
        "Min recovery ending loc's timeline", minTimeline));
  }

  @Test
  void aFormerPrimaryEndsAtItsShutdownCheckpoint() {
    ControlData c = control("shut down", "0/5000028", 1, "0/0", "0");
    assertThat(RewindRunner.walEnd(c)).isEqualTo("0/5000028");
    assertThat(RewindRunner.walEndTimeline(c)).isEqualTo(1);
  }

  @Test
  void aFormerReplicaEndsAtItsMinimumRecoveryPointWhenThatIsLater() {
    ControlData c = control("shut down in recovery", "0/3000028", 1, "0/3000148", "1");
    assertThat(RewindRunner.walEnd(c)).isEqualTo("0/3000148");
    assertThat(RewindRunner.walEndTimeline(c)).isEqualTo(1);
    ControlData earlier = control("shut down in recovery", "0/3000028", 1, "0/3000020", "1");
    assertThat(RewindRunner.walEnd(earlier)).isEqualTo("0/3000028");
  }
}
