package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Listed roles are recreated and their attributes and passwords restored; unlisted roles are left
 * alone; no password ever reaches the output ({@link Cli} checks that on every run, and the last
 * test says so explicitly).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RoleDriftIT {
  private static final String APP_ATTRIBUTES =
      "select rolcanlogin, rolcreatedb, rolconnlimit from pg_roles where rolname = 'app'";

  @Test
  void recreatesDroppedRole() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      psql.query("DROP ROLE app");

      cli.check().assertExit(2);
      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(apply.driftLines()).as(apply.describe()).anyMatch(l -> l.contains("app"));
      assertThat(psql.query(APP_ATTRIBUTES)).isEqualTo("t|t|20");
      assertThat(psql.canLogIn("app", host.password("app"))).isTrue();
      cli.apply().assertExit(0);
    }
  }

  @Test
  void restoresChangedAttributes() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      psql.query("ALTER ROLE app NOCREATEDB CONNECTION LIMIT 5");

      cli.check().assertExit(2);
      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(apply.driftLines()).as(apply.describe()).anyMatch(l -> l.contains("app"));
      assertThat(psql.query(APP_ATTRIBUTES)).isEqualTo("t|t|20");
      cli.apply().assertExit(0);
    }
  }

  @Test
  void detectsAndRestoresPasswordChangedBySql() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      String intruder = TestHost.randomPassword();
      host.rememberSecret(intruder);
      psql.query("ALTER ROLE app PASSWORD '" + intruder + "'");
      assertThat(psql.canLogIn("app", intruder)).isTrue();

      ProcessResult check = cli.check().assertExit(2);
      assertThat(check.driftLines())
          .as(check.describe())
          .anyMatch(l -> l.contains("app") && l.toLowerCase().contains("password"));
      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(apply.driftLines())
          .as(apply.describe())
          .anyMatch(l -> l.contains("app") && l.toLowerCase().contains("password"));
      assertThat(psql.canLogIn("app", host.password("app"))).isTrue();
      assertThat(psql.canLogIn("app", intruder)).isFalse();
      cli.apply().assertExit(0);
    }
  }

  @Test
  void setsNewPasswordFromChangedPasswordFile() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      String old = host.password("app");
      host.writePassword("app", TestHost.randomPassword());

      cli.apply().assertExit(2);

      assertThat(psql.canLogIn("app", host.password("app"))).isTrue();
      assertThat(psql.canLogIn("app", old)).isFalse();
      cli.apply().assertExit(0);
    }
  }

  @Test
  void leavesUnlistedRoleAlone() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      psql.query("CREATE ROLE bystander LOGIN CREATEDB CONNECTION LIMIT 3");

      ProcessResult apply = cli.apply().assertExit(0);

      assertThat(apply.driftLines()).as(apply.describe()).noneMatch(l -> l.contains("bystander"));
      assertThat(psql.query(
              "select rolcanlogin, rolcreatedb, rolconnlimit from pg_roles where rolname = 'bystander'"))
          .isEqualTo("t|t|3");
    }
  }

  @Test
  void neverPrintsAPassword() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      List<ProcessResult> runs = new ArrayList<>();
      runs.add(cli.apply());
      String intruder = TestHost.randomPassword();
      host.rememberSecret(intruder);
      psql.query("ALTER ROLE replicator PASSWORD '" + intruder + "'");
      host.writePassword("app", TestHost.randomPassword());
      runs.add(cli.check());
      runs.add(cli.checkWithDiff());
      runs.add(cli.apply());
      runs.add(cli.apply());
      runs.add(cli.validate(host.desiredStateFile()));

      for (ProcessResult run : runs) {
        for (String secret : host.secrets()) {
          assertThat(run.output()).as(run.describe()).doesNotContain(secret);
        }
      }
    }
  }
}
