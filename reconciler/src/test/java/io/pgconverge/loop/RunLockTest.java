package io.pgconverge.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock beside PGDATA: one holder, its PID in the file, free again after release. */
class RunLockTest {
  @TempDir Path dir;

  @Test
  void liesBesidePgdataAndHoldsThePid() throws Exception {
    Path data = dir.resolve("main");
    assertThat(RunLock.fileFor(data)).isEqualTo(dir.resolve(".main.pgconverge.lock"));
    try (RunLock lock = RunLock.acquire(data)) {
      assertThat(Files.readString(lock.file()).trim()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
    assertThat(RunLock.fileFor(data)).as("removed by the holder that ends").doesNotExist();
  }

  @Test
  void aSecondTakerIsRefusedWithTheHoldersPidAndMayTakeItAfterRelease() throws Exception {
    Path data = dir.resolve("main");
    RunLock first = RunLock.acquire(data);
    assertThatThrownBy(() -> RunLock.acquire(data))
        .isInstanceOf(RunLock.HeldException.class)
        .hasMessageContaining("PID " + ProcessHandle.current().pid())
        .hasMessageContaining(".main.pgconverge.lock");
    first.close();
    try (RunLock again = RunLock.acquire(data)) {
      assertThat(again.file()).exists();
    }
  }

  /**
   * Another process takes and lets go of the lock in a tight loop; every refusal this process gets
   * names that process's PID — never an empty or half-written file ("PID unknown"), which the old
   * take (truncate, then write in place) showed whenever a reader came between the two.
   */
  @Test
  void aRefusedTakerAlwaysReadsTheHoldersWholePid() throws Exception {
    Path data = dir.resolve("main");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, RunLockHolder.class.getName(), data.toString(), "3000")
        .redirectErrorStream(true).start();
    String holderPid = Long.toString(holder.pid());
    List<String> named = new ArrayList<>();
    int taken = 0;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (holder.isAlive() && System.nanoTime() < until) {
      try (RunLock lock = RunLock.acquire(data)) {
        taken++;
      } catch (RunLock.HeldException e) {
        named.add(e.holder());
      }
    }
    String out = new String(holder.getInputStream().readAllBytes());
    assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(out).as("the holder ran").contains("taken");
    assertThat(named).as("refusals while the other process took the lock (%d takes here)", taken).hasSizeGreaterThan(20);
    assertThat(named).as("every refusal names the holder").allMatch(holderPid::equals);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no lock or temp file left after both let go").isEmpty();
    }
  }
}
