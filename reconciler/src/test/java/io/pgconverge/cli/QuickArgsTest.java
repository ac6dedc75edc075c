package io.pgconverge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * check, apply and daemon read their own options without picocli (Main.quick, Main.quickDaemon)
 * exactly as picocli reads them; every other command line goes to picocli, which keeps its messages
 * and exit codes.
 */
class QuickArgsTest {
  /** What picocli makes of the same command line: the subcommand object it filled in. */
  private static Main.ReconcileCommand picocli(String... args) {
    CommandLine.ParseResult r = Main.commandLine().parseArgs(args);
    return (Main.ReconcileCommand) r.subcommand().commandSpec().userObject();
  }

  private static Main.ReconcileCommand quick(String... args) {
    Optional<Main.ReconcileCommand> q = Main.quick(args);
    assertThat(q).as("parsed without picocli: %s", String.join(" ", args)).isPresent();
    return q.get();
  }

  private static void sameAsPicocli(String... args) {
    Main.ReconcileCommand ours = quick(args);
    Main.ReconcileCommand theirs = picocli(args);
    assertThat(ours.getClass()).isEqualTo(theirs.getClass());
    assertThat(ours.opts.config).isEqualTo(theirs.opts.config);
    assertThat(ours.opts.logFormat).isEqualTo(theirs.opts.logFormat);
    assertThat(ours.commandName()).isEqualTo(theirs.commandName()).isEqualTo(args[0]);
    assertThat(ours.originalArgs()).containsExactly(theirs.originalArgs());
    if (ours instanceof Main.Check c) {
      Main.Check p = (Main.Check) theirs;
      assertThat(c.diff).isEqualTo(p.diff);
      assertThat(c.json).isEqualTo(p.json);
    } else {
      Main.Apply a = (Main.Apply) ours;
      Main.Apply p = (Main.Apply) theirs;
      assertThat(a.status.statusFile).isEqualTo(p.status.statusFile);
      assertThat(a.status.metricsFile).isEqualTo(p.status.metricsFile);
      assertThat(a.timeoutSeconds).isEqualTo(p.timeoutSeconds);
    }
  }

  @Test
  void checkAndApplyWithTheirOwnOptionsAreReadAsPicocliReadsThem() {
    sameAsPicocli("check");
    sameAsPicocli("apply");
    sameAsPicocli("check", "--config", "/srv/a.yaml", "--diff");
    sameAsPicocli("check", "--json", "--config=/srv/a.yaml", "--log-format=json", "--diff");
    sameAsPicocli("apply", "--config", "rel/a.yaml", "--status-file", "/run/x/status.json", "--metrics-file=/run/x/m.prom");
    sameAsPicocli("apply", "--timeout", "90", "--log-format", "text", "--config=");
  }

  @Test
  void theOptionsLandWhereTheCommandReadsThem() {
    Main.Apply a = (Main.Apply) quick("apply", "--config", "/srv/a.yaml", "--timeout=7", "--status-file", "/tmp/s.json");
    assertThat(a.opts.config).isEqualTo(Path.of("/srv/a.yaml"));
    assertThat(a.timeoutSeconds).isEqualTo(7);
    assertThat(a.status.statusFile).isEqualTo(Path.of("/tmp/s.json"));
    assertThat(a.status.metricsFile).isEqualTo(Path.of(Main.DEFAULT_METRICS_FILE));
  }

  @Test
  void anythingElseIsLeftToPicocli() {
    String[][] others = {
      {}, {"validate", "a.yaml"}, {"status"}, {"--version"}, {"check", "--help"}, {"apply", "-h"},
      {"check", "--config", "a", "--config", "b"}, {"check", "--config=a", "--config", "b"},
      {"check", "--diff", "--diff"}, {"check", "--diff=true"}, {"check", "--confg", "a"},
      {"check", "--config"}, {"check", "--config", "--diff"}, {"check", "@args.txt"}, {"check", "--config", "@a"},
      {"check", "--log-format", "xml"}, {"check", "--status-file", "s"}, {"apply", "--diff"}, {"apply", "--json"},
      {"apply", "--timeout", "soon"}, {"apply", "--timeout", "-1"}, {"apply", "--timeout", "99999999999"},
      {"apply", "extra"}, {"apply", "--", "--config"}, {"check", "--config", "a\0b"},
    };
    for (String[] args : others) {
      assertThat(Main.quick(args)).as("left to picocli: %s", String.join(" ", args)).isEmpty();
    }
  }

  private static void daemonSameAsPicocli(String... args) {
    Optional<Main.DaemonCommand> q = Main.quickDaemon(args);
    assertThat(q).as("parsed without picocli: %s", String.join(" ", args)).isPresent();
    Main.DaemonCommand ours = q.get();
    CommandLine.ParseResult r = Main.commandLine().parseArgs(args);
    Main.DaemonCommand theirs = (Main.DaemonCommand) r.subcommand().commandSpec().userObject();
    assertThat(ours.opts.config).isEqualTo(theirs.opts.config);
    assertThat(ours.opts.logFormat).isEqualTo(theirs.opts.logFormat);
    assertThat(ours.status.statusFile).isEqualTo(theirs.status.statusFile);
    assertThat(ours.status.metricsFile).isEqualTo(theirs.status.metricsFile);
    assertThat(ours.originalArgs).containsExactly(r.originalArgs().toArray(String[]::new));
  }

  @Test
  void theDaemonWithItsOwnOptionsIsReadAsPicocliReadsIt() {
    daemonSameAsPicocli("daemon");
    daemonSameAsPicocli("daemon", "--config", "/etc/pgconverge/desired-state.yaml", "--log-format", "json");
    daemonSameAsPicocli("daemon", "--status-file=/run/x/status.json", "--metrics-file", "/run/x/m.prom", "--config=rel.yaml");
  }

  @Test
  void anyOtherDaemonCommandLineIsLeftToPicocli() {
    String[][] others = {
      {"daemon", "--help"}, {"daemon", "-h"}, {"daemon", "--version"}, {"daemon", "--config", "a", "--config", "b"},
      {"daemon", "--diff"}, {"daemon", "--timeout", "5"}, {"daemon", "--log-format", "xml"}, {"daemon", "--config"},
      {"daemon", "@args.txt"}, {"daemon", "extra"}, {"daemon", "--metrics-file", "a\0b"}, {"check"}, {"apply"},
    };
    for (String[] args : others) {
      assertThat(Main.quickDaemon(args)).as("left to picocli: %s", String.join(" ", args)).isEmpty();
    }
  }
}
