package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reconciler killed ({@code kill -9} of its JVM, through the test-only hook {@code
 * PGCONVERGE_TEST_CRASH_AT}, and of its initdb or pg_basebackup where one runs) at a named point
 * of a bootstrap, a config-only change, an hba-only change, a role change, a restart after a
 * crash, a replica's copy and in the daemon: one more run converges with no manual step. Each case
 * checks what a DBA would: the live values ({@code SHOW}), the live access rules (a login over
 * TCP that must work or must be rejected, {@code pg_hba_file_rules}), the roles, and that nothing
 * is left behind (no staging directory or its pid file, no temp file, no initdb or pg_basebackup
 * still running, the lock file gone); then a check says in sync.
 *
 * <p>This class has the bootstrap's points and the daemon's; {@link FaultInjectionChangeIT} has
 * the changes to a converged host and the replica's copy (two classes, so that the two test JVMs
 * run them side by side).
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class FaultInjectionIT {
  private static final String CHANGED_HBA_LINE = "host all app 127.0.0.1/32 reject";

  /** What the killed run was doing. */
  enum Change {
    /** apply on an empty host: initdb, config files, start, roles. */
    BOOTSTRAP,
    /** work_mem 4MB to 8MB: postgresql.conf rewritten, reloaded. */
    CONFIG,
    /** a reject line for app before the scram line: pg_hba.conf rewritten, reloaded. */
    HBA,
    /** app: connection limit 20 to 5, no createdb, a new password. */
    ROLE,
    /** the postmaster was killed first: the run starts it again. */
    CRASHED_SERVER
  }

  /** One kill: the change under way, the hook's point, and whether its initdb is killed too. */
  record Case(Change change, String point, boolean killChildren) {
    @Override
    public String toString() {
      return change + " killed at " + point + (killChildren ? " (and its initdb)" : "");
    }
  }

  /** The kills during a change to a converged host (config, hba, role, a crashed server): {@link FaultInjectionChangeIT}'s. */
  static List<Case> changeCases() {
    List<Case> c = new ArrayList<>();
    for (String p : List.of("after:WriteFile(pg_hba.conf)", "reload:signalled", "before:ReloadServer", "before:WriteFile(pg_hba.conf)",
        "atomic-write:temp-written(pg_hba.conf)", "atomic-write:renamed(pg_hba.conf)")) {
      c.add(new Case(Change.HBA, p, false));
    }
    for (String p : List.of("after:WriteFile(postgresql.conf)", "reload:signalled", "before:WriteFile(postgresql.conf)",
        "atomic-write:temp-written(postgresql.conf)", "before:ReloadServer")) {
      c.add(new Case(Change.CONFIG, p, false));
    }
    for (String p : List.of("crash-start:before-start", "after:StartServer")) {
      c.add(new Case(Change.CRASHED_SERVER, p, false));
    }
    for (String p : List.of("before:AlterRole", "after:AlterRole", "before:SetPassword", "after:SetPassword")) {
      c.add(new Case(Change.ROLE, p, false));
    }
    return c;
  }

  /** The kills during a bootstrap of an empty host: this class's. */
  static List<Case> bootstrapCases() {
    List<Case> c = new ArrayList<>();
    c.add(new Case(Change.BOOTSTRAP, "initdb:started", true));
    for (String p : List.of("initdb:started", "bootstrap:before-rename", "bootstrap:after-rename", "after:WriteFile(pg_hba.conf)",
        "before:StartServer", "after:StartServer", "before:InitDataDirectory", "initdb:done", "after:InitDataDirectory",
        "before:ValidateConfig", "atomic-write:temp-written(postgresql.conf)", "atomic-write:renamed(postgresql.conf)",
        "before:CreateRole", "after:CreateRole#2", "after:EnsureRewindRole")) {
      c.add(new Case(Change.BOOTSTRAP, p, false));
    }
    return c;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstrapCases")
  void oneMoreRunConvergesAfterTheReconcilerWasKilled(Case k) throws Exception {
    oneMoreRunConverges(k);
  }

  /** Kills the run at {@code k}'s point, then runs once more and checks the host as a DBA would. */
  static void oneMoreRunConverges(Case k) throws Exception {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      if (k.change() != Change.BOOTSTRAP) {
        cli.apply().assertExit(2);
      }
      String appPassword = host.password("app");
      switch (k.change()) {
        case CONFIG -> host.desired().setting("work_mem", "8MB");
        case HBA -> {
          List<String> hba = new ArrayList<>(host.desired().hba());
          hba.add(2, CHANGED_HBA_LINE);
          host.desired().hba(hba);
        }
        case ROLE -> {
          host.desired().role("app").set("connection_limit", 5).set("createdb", false);
          appPassword = TestHost.randomPassword();
          host.writePassword("app", appPassword);
        }
        case CRASHED_SERVER -> Postmasters.kill9(host.data());
        default -> { }
      }
      host.writeDesired();

      ProcessResult killed = killedApply(host, k.point());
      if (k.killChildren()) {
        List<ProcTable.Proc> children = ProcTable.killAllContaining(host.dir().toString() + "/.data.pgconverge-new");
        System.out.println("killed the children too: " + children);
      }

      ProcessResult again = cli.apply();
      assertThat(again.exitCode()).as("one more run converges\n%s\n%s", killed.describe(), again.describe()).isIn(0, 2);
      ProcessResult check = cli.check();
      assertThat(check.exitCode()).as("then the host is in sync\n%s\n%s", again.describe(), check.describe()).isZero();

      Psql psql = new Psql(host);
      assertThat(psql.show("work_mem")).isEqualTo(k.change() == Change.CONFIG ? "8MB" : "4MB");
      assertThat(psql.query("select count(*) from pg_hba_file_rules where error is not null")).isEqualTo("0");
      assertThat(psql.query("select count(*) from pg_hba_file_rules where 'reject' = auth_method"))
          .isEqualTo(k.change() == Change.HBA ? "1" : "0");
      assertThat(psql.canLogIn("app", appPassword)).as("app's login over TCP (the live rules)").isEqualTo(k.change() != Change.HBA);
      if (k.change() == Change.ROLE) {
        assertThat(psql.query("select rolconnlimit || ' ' || rolcreatedb from pg_roles where rolname = 'app'")).isEqualTo("5 false");
      }
      assertThat(psql.query("select count(*) from pg_roles where rolname in ('app', 'replicator')")).isEqualTo("2");
      assertNothingLeftBehind(host);
      System.out.println("FAULT-INJECTION converged with one more run: " + k);
    }
  }

  /** The daemon killed while it wrote pg_hba.conf, and while its initdb ran: the next daemon converges. */
  @Test
  void aDaemonKilledMidRunIsFinishedByTheNextDaemon() throws Exception {
    for (String point : List.of("initdb:started", "after:WriteFile(pg_hba.conf)")) {
      try (TestHost host = TestHost.create()) {
        host.desired().schedule("{every: 1h}");
        if (point.startsWith("after:WriteFile")) {
          host.writeDesired();
          new Cli(host).apply().assertExit(2);
          List<String> hba = new ArrayList<>(host.desired().hba());
          hba.add(2, CHANGED_HBA_LINE);
          host.desired().hba(hba);
        }
        host.writeDesired();
        try (DaemonProcess first = DaemonProcess.startLogging(host, "daemon-killed.log",
            Map.of("PGCONVERGE_TEST_CRASH_AT", point))) {
          assertThat(first.process().waitFor(120, TimeUnit.SECONDS)).as("the daemon killed itself at %s", point).isTrue();
          assertThat(first.log()).contains("TEST crash hook: SIGKILL at " + point);
        }
        try (DaemonProcess second = DaemonProcess.start(host)) {
          second.awaitStatus(s -> s.path("result").asText().matches("changed|in-sync"), Duration.ofSeconds(120));
        }
        Psql psql = new Psql(host);
        assertThat(psql.canLogIn("app", host.password("app"))).isEqualTo(!point.startsWith("after:WriteFile"));
        assertThat(new Cli(host).check().exitCode()).isZero();
        assertNothingLeftBehind(host, false); // the second daemon was killed by the test: its lock file stays
      }
    }
  }

  private static ProcessResult killedApply(TestHost host, String point) {
    ProcessResult r = Processes.run(Cli.command(List.of("apply", "--config", host.desiredStateFile().toString())),
        Map.of("PGCONVERGE_TEST_CRASH_AT", point), Cli.TIMEOUT);
    assertThat(r.output()).as("the run was killed at %s\n%s", point, r.describe())
        .contains("TEST crash hook: SIGKILL at " + point);
    assertThat(r.exitCode()).as(r.describe()).isNotIn(0, 2);
    return r;
  }

  private static void assertNothingLeftBehind(TestHost host) throws IOException {
    assertNothingLeftBehind(host, true);
  }

  private static void assertNothingLeftBehind(TestHost host, boolean lockFile) throws IOException {
    Path staging = host.dir().resolve(".data.pgconverge-new");
    assertThat(staging).as("no staging directory").doesNotExist();
    assertThat(host.dir().resolve(".data.pgconverge-new.pid")).doesNotExist();
    if (lockFile) {
      assertThat(host.dir().resolve(".data.pgconverge.lock")).as("the lock file goes with its last holder").doesNotExist();
    }
    assertThat(tempFiles(host.dir())).as("no temp file").isEmpty();
    assertThat(ProcTable.withCommandLineContaining(staging.toString())).as("no initdb still running").isEmpty();
  }

  /** Temp files pgconverge makes (atomic writes, the lock, logs of initdb/pg_basebackup) anywhere under {@code dir}. */
  static List<Path> tempFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> {
        String n = p.getFileName().toString();
        return n.endsWith(".pgconverge-tmp") || n.matches("\\..*\\.pgconverge\\.lock\\.[0-9]+\\.tmp")
            || n.matches("\\..*\\.pgconverge-(initdb|basebackup)\\.log");
      }).toList();
    }
  }
}
