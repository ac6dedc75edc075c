package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The history files are as PostgreSQL 15 writes them (tab-separated, a reason per line). */
class TimelineHistoryTest {
  private static final String THREE = "1\t0/3000060\tno recovery target specified\n"
      + "\n"
      + "2\t0/5000148\tno recovery target specified\n";

  @Test
  void readsEachAncestorWithItsSwitchpointAndReason() {
    TimelineHistory h = TimelineHistory.parse(THREE);
    assertThat(h.entries()).containsExactly(
        new TimelineHistory.Entry(1, 0x3000060L, "no recovery target specified"),
        new TimelineHistory.Entry(2, 0x5000148L, "no recovery target specified"));
    assertThat(h.switchpoint(2)).contains(0x5000148L);
    assertThat(h.switchpoint(3)).isEmpty();
  }

  @Test
  void skipsCommentsAndBlankLinesAndAcceptsALineWithoutReason() {
    TimelineHistory h = TimelineHistory.parse("# made by hand\n   \n1 1/A0000028\n");
    assertThat(h.entries()).containsExactly(new TimelineHistory.Entry(1, (1L << 32) | 0xA0000028L, ""));
  }

  @Test
  void refusesALineWithoutSwitchpointATimelineThatIsNotANumberOrDoesNotIncrease() {
    assertThatThrownBy(() -> TimelineHistory.parse("1\n")).hasMessageContaining("line 1").hasMessageContaining("switchpoint");
    assertThatThrownBy(() -> TimelineHistory.parse("one\t0/3000060\n")).hasMessageContaining("numeric timeline ID");
    assertThatThrownBy(() -> TimelineHistory.parse("2\t0/3000060\n1\t0/4000000\n"))
        .hasMessageContaining("line 2").hasMessageContaining("increasing");
    assertThatThrownBy(() -> TimelineHistory.parse("1\tnowhere\n")).hasMessageContaining("WAL location");
  }

  @Test
  void aReplicaThatReplayedPastTheSwitchpointOfItsTimelineCannotFollow() {
    TimelineHistory h = TimelineHistory.parse(THREE);
    assertThat(h.followable(1, 0x3000061L, 3)).isFalse();
    assertThat(h.followable(2, 0x6000000L, 3)).isFalse();
  }

  @Test
  void aReplicaAtOrBeforeTheSwitchpointFollows() {
    TimelineHistory h = TimelineHistory.parse(THREE);
    assertThat(h.followable(1, 0x3000060L, 3)).as("exactly at the switchpoint").isTrue();
    assertThat(h.followable(1, 0x2FFFFFFL, 3)).isTrue();
    assertThat(h.followable(2, 0x5000148L, 3)).isTrue();
  }

  @Test
  void aReplicaOnATimelineThatIsNotInTheHistoryCannotFollowButOneOnThePrimarysTimelineDoes() {
    TimelineHistory h = TimelineHistory.parse("1\t0/3000060\tno recovery target specified\n");
    assertThat(h.followable(3, 0x1000000L, 2)).as("timeline 3 is no ancestor of 2").isFalse();
    assertThat(h.followable(2, 0x9000000L, 2)).isTrue();
  }

  @Test
  void walLocationsReadAndPrintAsTheServerDoes() {
    assertThat(Lsn.parse("0/3000060")).contains(0x3000060L);
    assertThat(Lsn.parse("1/a0000028")).contains((1L << 32) | 0xA0000028L);
    assertThat(Lsn.format((1L << 32) | 0xA0000028L)).isEqualTo("1/A0000028");
    assertThat(Lsn.format(0)).isEqualTo("0/0");
    assertThat(Lsn.parse("3000060")).isEqualTo(Optional.empty());
    assertThat(Lsn.parse("0/")).isEmpty();
    assertThat(Lsn.parse("x/1")).isEmpty();
    assertThat(Lsn.parse(null)).isEmpty();
  }
}
