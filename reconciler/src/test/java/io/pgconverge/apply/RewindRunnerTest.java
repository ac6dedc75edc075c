package io.pgconverge.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.pg.ControlData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the local WAL ends in the rewind's report, as pg_rewind itself reads the control file. */
class RewindRunnerTest {
  private static ControlData control(String state, String checkpoint, int timeline, String minRecovery, String minTimeline) {
    return new ControlData("7300000000000000001", state, timeline, Map.of("Database cluster state", state,
        "Latest checkpoint location", checkpoint, "Minimum recovery ending location", minRecovery,
        "Min recovery ending loc's timeline", minTimeline));
  }

  @Test
  void aFormerPrimaryEndsAtItsShutdownCheckpoint() {
    ControlData c = control("shut down", "0/5000028", 1, "0/0", "0");
    assertThat(RewindRunner.walEnd(c)).isEqualTo("0/5000028");
    assertThat(RewindRunner.walEndTimeline(c)).isEqualTo(1);
  }

  @Test
  void aFormerReplicaEndsAtItsMinimumRecoveryPointWhenThatIsLater() {
    ControlData c = control("shut down in recovery", "0/3000028", 1, "0/3000148", "1");
    assertThat(RewindRunner.walEnd(c)).isEqualTo("0/3000148");
    assertThat(RewindRunner.walEndTimeline(c)).isEqualTo(1);
    ControlData earlier = control("shut down in recovery", "0/3000028", 1, "0/3000020", "1");
    assertThat(RewindRunner.walEnd(earlier)).isEqualTo("0/3000028");
  }

  @Test
  void theTargetOfAPgRewindCommandLineIsItsTargetPgdata() {
    assertThat(RewindRunner.rewindTarget(new String[] {"--target-pgdata", "/srv/pg/data/", "--source-server", "host=a"}))
        .contains(Path.of("/srv/pg/data"));
    assertThat(RewindRunner.rewindTarget(new String[] {"--target-pgdata=/srv/pg/./data"})).contains(Path.of("/srv/pg/data"));
    assertThat(RewindRunner.rewindTarget(new String[] {"-D", "/srv/pg/data"})).contains(Path.of("/srv/pg/data"));
    assertThat(RewindRunner.rewindTarget(new String[] {"--source-server", "host=a"})).isEmpty();
  }

  @Test
  void aPgRewindLeftRunningOnThisDataDirectoryIsFoundAndNoOtherIs(@TempDir Path dir) throws IOException, InterruptedException {
    Path rewind = dir.resolve("pg_rewind");
    Files.writeString(rewind, "#!/bin/sh\nread line\n"); // waits on its stdin, with no child to leave behind
    Files.setPosixFilePermissions(rewind, PosixFilePermissions.fromString("rwx------"));
    Path data = dir.resolve("data");
    Path other = dir.resolve("other");
    assertThat(RewindRunner.runningRewindOf(data)).isEmpty();
    Process p = new ProcessBuilder(rewind.toString(), "--target-pgdata", data.toString(), "--source-server", "host=x").start();
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (RewindRunner.runningRewindOf(data).isEmpty() && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(RewindRunner.runningRewindOf(data)).map(ProcessHandle::pid).contains(p.pid());
      assertThat(RewindRunner.runningRewindOf(other)).isEmpty();
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(RewindRunner.runningRewindOf(data)).isEmpty();
  }
}
