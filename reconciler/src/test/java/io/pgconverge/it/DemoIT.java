package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code pgconverge demo}, the README's first command: as root with no other set-up, a
 * three-node cluster on loopback ports, then a status table showing node1 primary and node2,
 * node3 streaming; {@code demo --stop} stops it and leaves none of its servers running.
 *
 * <p>When namespaces are available the demo runs inside a namespace of its own (with only
 * {@code lo}), so its ports cannot collide with anything else on the machine and every process
 * it leaves is known: whatever is still in that namespace. TMPDIR and {@code java.io.tmpdir}
 * point at a directory of the test's, which is deleted afterwards.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DemoIT {
  private static final Duration DEMO_TIMEOUT = Duration.ofSeconds(120);

  @Test
  void demoShowsThreeNodesStreamingAndStopLeavesNoServer() throws IOException {
    Path tmp = Files.createTempDirectory("pgc-demo-it-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    PostgresUser.chown(tmp);
    Set<Long> postmastersBefore = postmasters();
    boolean stopped = false;
    List<Long> demoServers = new ArrayList<>();
    try (NetnsLab lab = NetnsLab.create(1)) {
      try {
        ProcessResult demo = demo(lab, tmp, List.of("demo")).assertExit(0);

        List<String> lines = demo.lines();
        assertThat(lines).as(demo.describe())
            .anyMatch(l -> l.contains("node1") && l.contains("primary"));
        for (String replica : List.of("node2", "node3")) {
          assertThat(lines).as(demo.describe())
              .anyMatch(l -> l.contains(replica) && l.contains("streaming"));
        }
        demoServers.addAll(demoPostmasters(lab, postmastersBefore));
        assertThat(demoServers).as("the demo's servers run after `demo`").hasSizeGreaterThanOrEqualTo(3);

        demo(lab, tmp, List.of("demo", "--stop")).assertExit(0);
        stopped = true;

        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline
            && demoServers.stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))) {
          sleepQuietly(100);
        }
        assertThat(demoServers.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)))
            .as("no server of the demo survives `demo --stop`").isEmpty();
        assertThat(lab.processesIn(1)).as("nothing left in the demo's namespace").isEmpty();
      } finally {
        if (!stopped) {
          try {
            demo(lab, tmp, List.of("demo", "--stop"));
          } catch (AssertionError | RuntimeException e) {
            // the kills below still run
          }
        }
        demoServers.addAll(demoPostmasters(lab, postmastersBefore));
        demoServers.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        ProcTable.killAllContaining(tmp.toString());
      }
    } finally {
      TestHost.deleteTree(tmp);
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ProcessResult demo(NetnsLab lab, Path tmp, List<String> args) {
    List<String> argv = new ArrayList<>(Cli.command(args));
    argv.add(1, "-Djava.io.tmpdir=" + tmp);
    return Processes.run(lab.command(1, argv), Map.of("TMPDIR", tmp.toString()), DEMO_TIMEOUT);
  }

  /**
   * The demo's postmasters: in isolated mode the postgres processes in its namespace; in
   * loopback mode every postmaster that was not running before the demo (a parallel test's
   * server would be counted too; that mode is a fallback).
   */
  private static List<Long> demoPostmasters(NetnsLab lab, Set<Long> before) {
    if (lab.isolated()) {
      return lab.processesIn(1).stream()
          .filter(pid -> ProcTable.read(pid).map(p -> isPostmaster(p.commandLine())).orElse(false))
          .collect(Collectors.toList());
    }
    return postmasters().stream().filter(pid -> !before.contains(pid)).collect(Collectors.toList());
  }

  private static Set<Long> postmasters() {
    return ProcTable.withCommandLineContaining("postgres").stream()
        .filter(p -> isPostmaster(p.commandLine()))
        .map(ProcTable.Proc::pid)
        .collect(Collectors.toSet());
  }

  private static boolean isPostmaster(String commandLine) {
    return commandLine.matches("(\\S*/)?(postgres|postmaster) .*-D .*");
  }
}
