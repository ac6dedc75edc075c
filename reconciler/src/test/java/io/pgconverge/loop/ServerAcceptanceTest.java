package io.pgconverge.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateLoader;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.desired.Problem;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The server's complaints about a rendered postgresql.conf point at the setting the user wrote. */
class ServerAcceptanceTest {
  private static final Path FILE = Path.of("/etc/pgconverge/desired-state.yaml");
  private static final String YAML = """
      version: 1
      cluster: main
      self: node1
      peers:
        - {name: node1, host: 127.0.0.1, port: 5432, role: primary}
      postgres:
        data: /srv/pgconverge-test/data
        settings:
          timezone: 'Mars/Olympus_Mons'
          summarize_wal: 'on'
        hba:
          - local all postgres peer
      """;

  private static DesiredState desired() {
    return ((LoadResult.Valid) DesiredStateLoader.parse(YAML, FILE, "node1")).state();
  }

  @Test
  void placesAnInvalidValueAtTheSettingTheMessageNamesWhateverItsCase() {
    Problem p = ServerAcceptance.problemOf(desired(),
        "LOG:  invalid value for parameter \"TimeZone\": \"Mars/Olympus_Mons\"", null);

    assertThat(p.toString()).isEqualTo(FILE + ":9:15: postgres.settings.timezone: the server rejects it: "
        + "invalid value for parameter \"TimeZone\": \"Mars/Olympus_Mons\"");
  }

  @Test
  void placesANameOnlyANewerMajorKnowsByTheLineOfTheRenderedFileAndDropsThatFilesName() {
    Problem p = ServerAcceptance.problemOf(desired(),
        "LOG:  unrecognized configuration parameter \"summarize_wal\" in file \"the new postgresql.conf\" line 12", "summarize_wal");

    assertThat(p.field()).isEqualTo("postgres.settings.summarize_wal");
    assertThat(p.location().line()).isEqualTo(10);
    assertThat(p.message()).isEqualTo("the server rejects it: unrecognized configuration parameter \"summarize_wal\"");
  }

  @Test
  void placesAComplaintThatNamesNoSettingAtTheSettingsSection() {
    Problem p = ServerAcceptance.problemOf(desired(), "postgres -C exited 1", null);

    assertThat(p.field()).isEqualTo("postgres.settings");
    assertThat(p.message()).isEqualTo("the server rejects it: postgres -C exited 1");
  }
}
