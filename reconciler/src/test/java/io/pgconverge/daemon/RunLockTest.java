package io.pgconverge.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
