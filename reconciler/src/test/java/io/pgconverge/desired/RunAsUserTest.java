package io.pgconverge.desired;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user a root process hands over to before anything else: only an unambiguous one. */
class RunAsUserTest {
  @TempDir Path dir;

  private Path file(String yaml) throws IOException {
    return Files.writeString(dir.resolve("desired-state.yaml"), yaml);
  }

  @Test
  void theFilesUserOrPostgresWhenItNamesNone() throws IOException {
    assertThat(RunAsUser.of(file("version: 1\npostgres:\n  data: /srv/pg\n  user: pgadmin\n"))).contains("pgadmin");
    assertThat(RunAsUser.of(file("version: 1\npostgres: {data: /srv/pg, user: 'dba_owner'}\n"))).contains("dba_owner");
    assertThat(RunAsUser.of(file("version: 1\npostgres:\n  data: /srv/pg\n"))).contains("postgres");
  }

  @Test
  void noAnswerForRootABadNameOrAFileThatDoesNotParse() throws IOException {
    assertThat(RunAsUser.of(file("postgres:\n  user: root\n"))).isEmpty();
    assertThat(RunAsUser.of(file("postgres:\n  user: pg_owner\n"))).as("a reserved role name").isEmpty();
    assertThat(RunAsUser.of(file("postgres:\n  user: '-x'\n"))).isEmpty();
    assertThat(RunAsUser.of(file("postgres:\n  user: [a, b]\n"))).isEmpty();
    assertThat(RunAsUser.of(file("postgres:\n  user: \n"))).isEmpty();
    assertThat(RunAsUser.of(file("postgres:\n  user: a\n  user: b\n"))).as("a duplicate key").isEmpty();
    assertThat(RunAsUser.of(file("postgres: [\n"))).as("not YAML").isEmpty();
    assertThat(RunAsUser.of(file("version: 1\n"))).as("no postgres section").isEmpty();
    assertThat(RunAsUser.of(dir.resolve("absent.yaml"))).isEmpty();
  }
}
