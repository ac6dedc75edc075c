package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A value or name PostgreSQL would reject is caught before any file is written, and the server
 * keeps serving on its current config; a structurally broken file touches nothing at all.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class InvalidSettingIT {

  /**
   * A value only the server can judge (the catalogue knows every time zone is a string, not which
   * zones this host has) reaches the server's own {@code postgres -C} check, which refuses it.
   */
  @Test
  void rejectsInvalidValueWhileServerKeepsServing() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      FileState conf = FileState.of(host.postgresqlConf());
      String startTime = server.startTime();
      String timezone = psql.show("timezone");

      host.desired().setting("timezone", "Mars/Olympus_Mons").setting("work_mem", "8MB");
      host.writeDesired();
      ProcessResult apply = cli.apply().assertExit(1);

      assertThat(apply.output())
          .as(apply.describe())
          .containsIgnoringCase("timezone")
          .contains("invalid value")
          .contains(host.desiredStateFile().getFileName().toString());
      assertThat(FileState.of(host.postgresqlConf())).isEqualTo(conf);
      assertThat(psql.show("timezone")).isEqualTo(timezone);
      assertThat(psql.show("work_mem")).as("nothing of the rejected state applied").isEqualTo("4MB");
      assertThat(server.startTime()).isEqualTo(startTime);
    }
  }

  /** A misspelt name is refused offline, with the name it meant, before anything is touched. */
  @Test
  void rejectsUnknownSettingNameWhileServerKeepsServing() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      FileState conf = FileState.of(host.postgresqlConf());
      String startTime = server.startTime();

      host.desired().setting("wal_levle", "replica").setting("work_mem", "8MB");
      host.writeDesired();
      ProcessResult apply = cli.apply().assertExit(1);

      assertThat(apply.output())
          .as(apply.describe())
          .contains(host.desiredStateFile() + ":")
          .contains("postgres.settings.wal_levle: PostgreSQL 15 has no parameter \"wal_levle\"; did you mean \"wal_level\"?");
      assertThat(FileState.of(host.postgresqlConf())).isEqualTo(conf);
      assertThat(psql.show("work_mem")).as("nothing of the rejected state applied").isEqualTo("4MB");
      assertThat(server.startTime()).isEqualTo(startTime);
    }
  }

  @Test
  void validateNamesFileLineAndColumnOfEveryProblem() throws IOException {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      String yaml = fixture("it/invalid-port-and-unknown-key.yaml")
          .replace("@DIR@", host.dir().toString());
      Path file = host.writeDesired(yaml);

      ProcessResult validate = cli.validate(file).assertExit(1);

      Pattern located = Pattern.compile(Pattern.quote(file.toString()) + ":(\\d+):(\\d+): .+");
      List<String> problems =
          validate.stdout().lines().filter(l -> located.matcher(l).matches()).toList();
      assertThat(problems).as(validate.describe()).hasSizeGreaterThanOrEqualTo(2);
      assertThat(problems)
          .as(validate.describe())
          .anyMatch(l -> l.startsWith(file + ":" + lineOf(yaml, "port: 70000") + ":")
              && l.contains("port"));
      assertThat(problems)
          .as(validate.describe())
          .anyMatch(l -> l.startsWith(file + ":" + lineOf(yaml, "colour:") + ":")
              && l.contains("colour"));
    }
  }

  @Test
  void validateAcceptsTheSeedDesiredState() {
    try (TestHost host = TestHost.create()) {
      ProcessResult validate = new Cli(host).validate(host.desiredStateFile()).assertExit(0);
      assertThat(validate.stdout()).as(validate.describe()).doesNotContain(host.desiredStateFile() + ":");
    }
  }

  @Test
  void applyRefusesStructurallyInvalidFileAndTouchesNothing() throws IOException {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      host.writeDesired(
          fixture("it/invalid-port-and-unknown-key.yaml").replace("@DIR@", host.dir().toString()));

      ProcessResult apply = cli.apply().assertExit(1);

      assertThat(apply.output()).as(apply.describe()).contains("port");
      assertThat(host.data()).doesNotExist();
    }
  }

  /** 1-based number of the first line containing {@code needle}. */
  static int lineOf(String text, String needle) {
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(needle)) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException(needle + " not in fixture");
  }

  static String fixture(String resource) throws IOException {
    try (InputStream in = InvalidSettingIT.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
