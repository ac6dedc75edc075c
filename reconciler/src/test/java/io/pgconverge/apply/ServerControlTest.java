package io.pgconverge.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Once a start has seen its server ready, the pg_ctl that started it is ended instead of being
 * left to take its next look at postmaster.pid: that pg_ctl alone, and only one this JVM started;
 * the server keeps running. The stand-ins are real processes named as pg_ctl leaves things while
 * it still waits: a copy of the shell named {@code pg_ctl} whose child, a copy of {@code sleep}
 * named {@code postgres}, runs in the data directory and is named by postmaster.pid
 * (PostmasterReadinessIT and every IT that applies start the real ones).
 */
class ServerControlTest {
  @TempDir Path tmp;
  private Path bin;
  private Path data;
  private final List<ProcessHandle> started = new java.util.ArrayList<>();

  @BeforeEach
  void standIns() throws IOException {
    bin = Files.createDirectories(tmp.resolve("bin"));
    Files.copy(Path.of("/bin/sh").toRealPath(), bin.resolve("pg_ctl"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(Path.of("/bin/sleep").toRealPath(), bin.resolve("postgres"), StandardCopyOption.COPY_ATTRIBUTES);
    data = Files.createDirectories(tmp.resolve("data"));
  }

  @AfterEach
  void endWhatTheTestStarted() {
    for (ProcessHandle p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /** The stand-in pg_ctl's script: its server in the background, named by postmaster.pid, then waiting on it. */
  private String pgCtlScript() throws IOException {
    Path script = tmp.resolve("start.sh");
    Files.writeString(script, "cd '" + data + "' && '" + bin.resolve("postgres") + "' 120 &\necho $! > '"
        + data.resolve("postmaster.pid") + "'\nwait\n");
    return script.toString();
  }

  /** The server's PID once postmaster.pid names it (bounded wait). */
  private long serverPid() throws Exception {
    Path pidFile = data.resolve("postmaster.pid");
    for (int i = 0; i < 200; i++) {
      if (Files.exists(pidFile) && Files.readString(pidFile).strip().matches("[0-9]+")) {
        return Long.parseLong(Files.readString(pidFile).strip());
      }
      Thread.sleep(25);
    }
    throw new AssertionError("the stand-in server never wrote " + pidFile);
  }

  @Test
  void thePgCtlThatStartedTheReadyServerIsEndedAndTheServerKeepsRunning() throws Exception {
    Process ctl = new ProcessBuilder(bin.resolve("pg_ctl").toString(), pgCtlScript()).start();
    started.add(ctl.toHandle());
    long server = serverPid();

    ServerControl.endPgCtlOf(data);

    assertThat(ctl.waitFor(10, TimeUnit.SECONDS)).as("pg_ctl ended").isTrue();
    assertThat(ProcessHandle.of(server).map(ProcessHandle::isAlive)).as("the server it started").isEqualTo(Optional.of(true));
    ProcessHandle.of(server).ifPresent(started::add);
  }

  @Test
  void aPgCtlThisJvmDidNotStartIsLetBe() throws Exception {
    Process shell = new ProcessBuilder("/bin/sh", "-c", "'" + bin.resolve("pg_ctl") + "' '" + pgCtlScript() + "' & wait").start();
    started.add(shell.toHandle());
    long server = serverPid();
    ProcessHandle ctl = ProcessHandle.of(server).flatMap(ProcessHandle::parent).orElseThrow();
    assertThat(ctl.info().command()).as("the server's parent").hasValueSatisfying(c -> assertThat(c).endsWith("/pg_ctl"));

    ServerControl.endPgCtlOf(data);

    assertThat(ctl.onExit().completeOnTimeout(null, 300, TimeUnit.MILLISECONDS).get())
        .as("a pg_ctl started by another process is still there").isNull();
    assertThat(ctl.isAlive()).isTrue();
  }
}
