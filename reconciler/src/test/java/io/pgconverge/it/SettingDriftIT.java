package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * postgresql.conf and ALTER SYSTEM drift: reload-only changes reload without a restart, restart
 * changes follow the policy, comment and layout changes are rewritten with one reload (so that the
 * file on disk is never newer than what the server loaded) and never a restart.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SettingDriftIT {
  private static final Duration RELOAD_WAIT = Duration.ofSeconds(10);

  @Test
  void revertsHandEditOfWorkMemWithReloadNotRestart() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      String managed = TestHost.read(host.postgresqlConf());
      String startTime = server.startTime();
      TestHost.edit(host.postgresqlConf(), managed + "work_mem = '16MB'\n");
      psql.query("select pg_reload_conf()");
      assertThat(psql.await("show work_mem", "16MB", RELOAD_WAIT)).isEqualTo("16MB");

      ProcessResult check = cli.check().assertExit(2);
      assertThat(check.driftLines()).as(check.describe()).anyMatch(l -> l.contains("work_mem"));
      assertThat(TestHost.read(host.postgresqlConf())).as("check changes nothing").endsWith("work_mem = '16MB'\n");
      ProcessResult diff = cli.checkWithDiff().assertExit(2);
      assertThat(diff.stdout()).as("check --diff shows the hand-added line it would take out\n" + diff.describe())
          .contains("--- " + host.postgresqlConf()).contains("-work_mem = '16MB'");

      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(apply.driftLines()).as(apply.describe()).anyMatch(l -> l.contains("work_mem"));
      assertThat(TestHost.read(host.postgresqlConf())).isEqualTo(managed);
      assertThat(psql.await("show work_mem", "4MB", RELOAD_WAIT)).isEqualTo("4MB");
      assertThat(server.startTime()).as("reload, not restart").isEqualTo(startTime);
      cli.check().assertExit(0);
    }
  }

  @Test
  void reloadsButDoesNotRestartForNewDesiredWorkMem() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      String startTime = server.startTime();
      String loadTime = server.configLoadTime();

      host.desired().setting("work_mem", "8MB");
      host.writeDesired();
      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(apply.driftLines()).as(apply.describe()).anyMatch(l -> l.contains("work_mem"));
      assertThat(psql.await("show work_mem", "8MB", RELOAD_WAIT)).isEqualTo("8MB");
      assertThat(server.startTime()).as("reload, not restart").isEqualTo(startTime);
      assertThat(server.configLoadTime()).as("reloaded").isNotEqualTo(loadTime);
      cli.apply().assertExit(0);
    }
  }

  @Test
  void removesAlterSystemOverrideOfManagedSetting() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      String startTime = server.startTime();
      psql.query("ALTER SYSTEM SET work_mem = '64MB'");
      psql.query("select pg_reload_conf()");
      assertThat(psql.await("show work_mem", "64MB", RELOAD_WAIT)).isEqualTo("64MB");

      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(apply.driftLines()).as(apply.describe()).anyMatch(l -> l.contains("work_mem"));
      assertThat(TestHost.read(host.autoConf())).doesNotContain("work_mem");
      assertThat(psql.await("show work_mem", "4MB", RELOAD_WAIT)).isEqualTo("4MB");
      assertThat(server.startTime()).isEqualTo(startTime);
      cli.check().assertExit(0);
    }
  }

  @Test
  void rewritesCommentOnlyEditWithOneReloadAndNoRestart() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      String managed = TestHost.read(host.postgresqlConf());
      String startTime = server.startTime();
      String loadTime = server.configLoadTime();
      TestHost.edit(host.postgresqlConf(), managed + "# a note added by hand\n");

      cli.apply().assertExit(2);

      assertThat(TestHost.read(host.postgresqlConf())).isEqualTo(managed);
      assertThat(server.startTime()).isEqualTo(startTime);
      String reloaded = server.configLoadTime();
      assertThat(reloaded).as("the rewritten file was loaded").isNotEqualTo(loadTime);
      cli.apply().assertExit(0);
      assertThat(server.configLoadTime()).as("the next run finds it loaded: no second reload").isEqualTo(reloaded);
    }
  }

  @Test
  void reportsRestartOnlyChangeAsPendingOnEveryRunUnderPolicyNever() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      String before = psql.show("shared_buffers");
      assertThat(before).isNotEqualTo("256MB");
      String startTime = server.startTime();

      host.desired().setting("shared_buffers", "256MB").restartPolicy("never");
      host.writeDesired();
      ProcessResult first = cli.apply().assertExit(0, 2);
      ProcessResult second = cli.apply().assertExit(0, 2);

      for (ProcessResult run : new ProcessResult[] {first, second}) {
        assertThat(run.linesContaining("restart"))
            .as(run.describe())
            .anyMatch(l -> l.contains("shared_buffers"));
      }
      assertThat(psql.show("shared_buffers")).isEqualTo(before);
      assertThat(server.startTime()).isEqualTo(startTime);
    }
  }

  @Test
  void restartsForRestartOnlyChangeUnderPolicyAlways() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      String startTime = server.startTime();

      host.desired().setting("shared_buffers", "256MB").restartPolicy("always");
      host.writeDesired();
      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(apply.driftLines()).as(apply.describe()).anyMatch(l -> l.contains("shared_buffers"));
      assertThat(psql.show("shared_buffers")).isEqualTo("256MB");
      assertThat(server.startTime()).as("restarted").isNotEqualTo(startTime);
      cli.apply().assertExit(0);
    }
  }

  @Test
  void treatsOneGigabyteAndTenTwentyFourMegabytesAsTheSameValue() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      ServerControl server = new ServerControl(host);
      host.desired().setting("wal_keep_size", "1GB");
      host.writeDesired();
      cli.apply().assertExit(2);
      assertThat(psql.show("wal_keep_size")).isEqualTo("1GB");
      String startTime = server.startTime();
      String loadTime = server.configLoadTime();

      host.desired().setting("wal_keep_size", "1024MB");
      host.writeDesired();
      // the file's text changes, so a rewrite (and its reload) is allowed; a restart is not
      cli.apply().assertExit(0, 2);

      assertThat(psql.show("wal_keep_size")).isEqualTo("1GB");
      assertThat(server.startTime()).isEqualTo(startTime);
      String reloaded = server.configLoadTime();
      cli.apply().assertExit(0);
      assertThat(server.configLoadTime()).as("same value: nothing more after the rewrite").isEqualTo(reloaded);
    }
  }
}
