package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Fixtures are real {@code pg_controldata} output from PostgreSQL 15. */
class ControlDataTest {

  private static String fixture(String name) throws Exception {
    try (InputStream in = ControlDataTest.class.getResourceAsStream("/pg/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsIdentifierStateAndTimelineOfAShutDownCluster() throws Exception {
    ControlData data = ControlData.parse(fixture("controldata-shut-down.txt"));
    assertThat(data.systemIdentifier()).isEqualTo("7712390388421114924");
    assertThat(data.clusterState()).isEqualTo("shut down");
    assertThat(data.timeline()).isEqualTo(1);
    assertThat(data.cleanlyShutDown()).isTrue();
  }

  @Test
  void readsARunningCluster() throws Exception {
    ControlData data = ControlData.parse(fixture("controldata-in-production.txt"));
    assertThat(data.clusterState()).isEqualTo("in production");
    assertThat(data.cleanlyShutDown()).isFalse();
  }

  @Test
  void keepsValuesThatContainColonsAndLabelsWithoutSpaceAfterTheColon() throws Exception {
    ControlData data = ControlData.parse(fixture("controldata-shut-down.txt"));
    assertThat(data.all())
        .containsEntry("Latest checkpoint's NextXID", "0:726")
        .containsEntry("Latest checkpoint's oldestCommitTsXid", "0")
        .containsEntry("max_wal_senders setting", "10")
        .containsEntry("pg_control last modified", "Thu Nov 26 08:14:17 2026");
  }

  @Test
  void namesTheMissingLine() {
    assertThatThrownBy(() -> ControlData.parse("Database system identifier: 1\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Latest checkpoint's TimeLineID");
  }
}
