package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A daemon's start takes its classes from the class-data archive {@code cds-train} writes (what
 * the packages' post-install does), Quartz's and the file watch's included: three daemons start
 * at once on two cores in a cold formation, and each class parsed and verified from a jar instead
 * costs every one of them CPU before its first run (measured: about 100 ms of CPU and 60 ms to the
 * first run per daemon for the 150 classes of Quartz and the JDK's bean introspection that it
 * once left out). The daemon here has no desired-state file yet: it starts its scheduler and its
 * watch and waits, touching no server.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DaemonStartArchiveIT {

  @Test
  void aDaemonStartsOnTheArchivedClassesOfItsSchedulerAndItsFileWatch() throws Exception {
    Path archive = ProductJvm.archive().orElseThrow(() -> new AssertionError("cds-train wrote no archive"));
    Path dir = Files.createTempDirectory("pgc-daemon-cds-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    try {
      PostgresUser.chown(dir);
      Path classes = dir.resolve("classes.txt");
      Path out = dir.resolve("daemon.log");
      List<String> daemon = new ArrayList<>(ProductJvm.command(List.of("-Xlog:class+load=info:file=" + classes)));
      daemon.addAll(List.of("daemon", "--config", dir.resolve("desired-state.yaml").toString(),
          "--status-file", dir.resolve("status.json").toString(), "--metrics-file", dir.resolve("metrics.prom").toString()));
      Process p = new ProcessBuilder(PostgresUser.command(daemon))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(out.toFile())
          .start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.readString(out, StandardCharsets.UTF_8).contains("daemon started") && System.nanoTime() < deadline
            && p.isAlive()) {
          Thread.sleep(100);
        }
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).as("the daemon's output").contains("daemon started")
            .contains("waiting for a valid desired state");
      } finally {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      }

      List<String> loaded = Files.readAllLines(classes, StandardCharsets.UTF_8);
      List<String> quartz = loaded.stream().filter(l -> l.contains(" org.quartz.")).toList();
      assertThat(quartz).as("Quartz classes the daemon loaded (archive %s)", archive).hasSizeGreaterThan(50);
      assertThat(loaded.stream().filter(l -> l.contains(" org.quartz.") || l.contains(" java.beans.")
          || l.contains(" sun.nio.fs.LinuxWatchService") || l.contains(" io.pgconverge.daemon.DesiredStateWatcher "))
          .filter(l -> !l.contains("source: shared objects file"))
          // its JTA run shell fails verification without javax.transaction, so CDS never archives it
          .filter(l -> !l.contains(" org.quartz.ee.jta.JTAJobRunShell ")))
          .as("the scheduler's, the bean introspection's and the file watch's classes loaded from outside the archive")
          .isEmpty();
    } finally {
      TestHost.deleteTree(dir);
    }
  }
}
