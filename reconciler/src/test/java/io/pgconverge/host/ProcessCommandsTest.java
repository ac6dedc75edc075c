package io.pgconverge.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real command runner and the one atomic writer, on plain processes and a temporary directory. */
class ProcessCommandsTest {
  @TempDir Path tmp;

  @Test
  void cancelAllKillsARunningLongCommandAndItsCallerSeesItFail() throws Exception {
    Commands commands = new ProcessCommands();
    long t0 = System.nanoTime();
    CompletableFuture<CommandResult> sleeping =
        CompletableFuture.supplyAsync(() -> commands.runCancellable(List.of("sleep", "30"), Duration.ofSeconds(60)));
    int killed = 0;
    for (int i = 0; i < 200 && killed == 0; i++) {
      killed = commands.cancelAll();
      Thread.sleep(10);
    }

    CommandResult r = sleeping.get(10, TimeUnit.SECONDS);
    assertThat(killed).isEqualTo(1);
    assertThat(r.ok()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aCommandKilledTheMomentItStartsStillGivesItsCallerAResultNotAnException() throws Exception {
    for (int round = 0; round < 40; round++) {
      Commands commands = new ProcessCommands();
      CompletableFuture<CommandResult> sleeping =
          CompletableFuture.supplyAsync(() -> commands.runCancellable(List.of("sleep", "30"), Duration.ofSeconds(60)));
      int killed = 0;
      for (long deadline = System.nanoTime() + 5_000_000_000L; killed == 0 && System.nanoTime() < deadline; ) {
        killed = commands.cancelAll();
      }

      assertThat(killed).as("round %d", round).isEqualTo(1);
      assertThat(sleeping.get(10, TimeUnit.SECONDS).ok()).as("round %d", round).isFalse();
    }
  }

  @Test
  void anotherRunnersCancelLeavesThisOnesCommandsAlone() {
    Commands mine = new ProcessCommands();
    CompletableFuture<CommandResult> sleeping =
        CompletableFuture.supplyAsync(() -> mine.runCancellable(List.of("sleep", "0.3"), Duration.ofSeconds(10)));

    assertThat(new ProcessCommands().cancelAll()).isZero();
    assertThat(sleeping.join().ok()).isTrue();
  }

  @Test
  void aCommandThatDoesNotEndInTimeIsKilled() {
    CommandResult r = new ProcessCommands().run(List.of("sleep", "30"), Duration.ofMillis(200));

    assertThat(r.timedOut()).isTrue();
    assertThat(r.ok()).isFalse();
  }

  @Test
  void anAtomicWriteLeavesTheNewBytesWithTheirModeAndNoTempFile() throws Exception {
    Path target = tmp.resolve("status.json");
    Files.writeString(target, "old\n");
    Files.writeString(tmp.resolve(".status.json.999999999.pgconverge-tmp"), "left by a process that died\n");

    AtomicFiles.write(target, "new\n".getBytes(), PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(target).hasContent("new");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
    try (var s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("status.json");
    }
  }

  @Test
  void anAtomicWriteMakesAManagedFileOwnerOnlyAndItsMissingDirectoryPrivate() throws Exception {
    Path target = tmp.resolve("conf/postgresql.conf");

    AtomicFiles.write(target, "work_mem = '8MB'\n".getBytes());

    assertThat(target).hasContent("work_mem = '8MB'");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target.getParent()))).isEqualTo("rwx------");
  }
}
