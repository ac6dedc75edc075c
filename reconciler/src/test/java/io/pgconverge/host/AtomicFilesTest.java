package io.pgconverge.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A published report (the status and metrics files) replaces the old one as a written file does:
 * whole, with exactly the mode asked for, no temp file left; a reader polling it meanwhile sees the
 * old bytes or the new, never a mix or an empty file.
 */
class AtomicFilesTest {
  @TempDir Path tmp;

  @Test
  void aPublishedFileReplacesTheOldOneWholeWithItsModeAndLeavesNoTempFile() throws Exception {
    Path status = tmp.resolve("status.json");
    AtomicFiles.publish(status, "old\n".getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-r--r--"));

    AtomicFiles.publish(status, "new\n".getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(status).hasContent("new");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(status))).isEqualTo("rw-r--r--");
    try (var s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("status.json");
    }
  }

  @Test
  void aReaderOfAFileBeingPublishedSeesOneWholeVersionOrTheOther() throws Exception {
    Path metrics = tmp.resolve("metrics.prom");
    String a = "a".repeat(64 * 1024);
    String b = "b".repeat(64 * 1024);
    AtomicFiles.publish(metrics, a.getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-r--r--"));
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicReference<String> torn = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      while (writing.get()) {
        try {
          String seen = Files.readString(metrics);
          if (!seen.equals(a) && !seen.equals(b)) {
            torn.set(seen.length() + " bytes, neither version");
          }
        } catch (java.io.IOException e) {
          torn.set(e.toString());
        }
      }
    });
    reader.start();
    for (int i = 0; i < 200; i++) {
      AtomicFiles.publish(metrics, (i % 2 == 0 ? b : a).getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-r--r--"));
    }
    writing.set(false);
    reader.join();

    assertThat(torn.get()).as("what the reader saw that was not a whole version").isNull();
  }
}
