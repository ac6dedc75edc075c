package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** pg_hba.conf edited by hand is put back, and a desired hba that would lock us out is refused. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HbaDriftIT {

  @Test
  void restoresDeletedHbaLineAndItsEffect() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      String managed = TestHost.read(host.hbaConf());
      List<String> lines = new ArrayList<>(managed.lines().toList());
      int tcpLine = indexOfRule(lines, "host", "all", "all");
      lines.remove(tcpLine);
      TestHost.edit(host.hbaConf(), String.join("\n", lines) + "\n");
      psql.query("select pg_reload_conf()");
      awaitLogin(psql, "app", host.password("app"), false);

      cli.check().assertExit(2);
      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(TestHost.read(host.hbaConf())).as(apply.describe()).isEqualTo(managed);
      assertThat(psql.query("select count(*) from pg_hba_file_rules where error is null"))
          .isEqualTo(Integer.toString(ruleCount(managed)));
      assertThat(psql.query("select count(*) from pg_hba_file_rules where error is not null"))
          .isEqualTo("0");
      awaitLogin(psql, "app", host.password("app"), true);
      cli.check().assertExit(0);
    }
  }

  @Test
  void restoresOrderOfSwappedHbaLines() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      String managed = TestHost.read(host.hbaConf());
      List<String> lines = new ArrayList<>(managed.lines().toList());
      int first = indexOfRule(lines, "local", "all", "postgres");
      int second = indexOfRule(lines, "host", "all", "all");
      String swap = lines.get(first);
      lines.set(first, lines.get(second));
      lines.set(second, swap);
      TestHost.edit(host.hbaConf(), String.join("\n", lines) + "\n");

      cli.check().assertExit(2);
      cli.apply().assertExit(2);

      assertThat(TestHost.read(host.hbaConf())).isEqualTo(managed);
      assertThat(psql.query("select count(*) from pg_hba_file_rules where error is null"))
          .isEqualTo(Integer.toString(ruleCount(managed)));
      assertThat(psql.query("select type || ' ' || array_to_string(user_name, ',')"
              + " from pg_hba_file_rules order by line_number limit 1"))
          .isEqualTo("local postgres");
    }
  }

  @Test
  void refusesDesiredHbaThatWouldLockTheReconcilerOut() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      cli.apply().assertExit(2);
      FileState hba = FileState.of(host.hbaConf());
      FileState conf = FileState.of(host.postgresqlConf());

      host.desired().hba(
          List.of(
              "host all all 127.0.0.1/32 scram-sha-256",
              "host replication replicator peers scram-sha-256"));
      host.writeDesired();
      ProcessResult apply = cli.apply().assertExit(1);

      assertThat(apply.output()).as(apply.describe()).contains("hba");
      assertThat(FileState.of(host.hbaConf())).isEqualTo(hba);
      assertThat(FileState.of(host.postgresqlConf())).isEqualTo(conf);
      assertThat(new Psql(host).query("select 1")).isEqualTo("1");
    }
  }

  /** Index of the first non-comment line whose first three fields are the ones given. */
  static int indexOfRule(List<String> lines, String type, String database, String user) {
    for (int i = 0; i < lines.size(); i++) {
      String[] f = lines.get(i).trim().split("\\s+");
      if (f.length >= 3 && f[0].equals(type) && f[1].equals(database) && f[2].equals(user)) {
        return i;
      }
    }
    throw new AssertionError(
        "no '" + type + " " + database + " " + user + "' rule in pg_hba.conf:\n"
            + String.join("\n", lines));
  }

  /** Lines that are neither blank nor comments. */
  static int ruleCount(String hba) {
    return (int) hba.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
  }

  /** Waits for a hand reload of pg_hba.conf to take effect (it is asynchronous). */
  static void awaitLogin(Psql psql, String role, String password, boolean expected) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (psql.canLogIn(role, password) != expected) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(role + (expected ? " cannot" : " can still") + " log in over TCP");
      }
      Psql.sleep(100);
    }
  }
}
