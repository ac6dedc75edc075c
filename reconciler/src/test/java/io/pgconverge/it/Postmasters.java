package io.pgconverge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the OOM killer does to a server: {@code kill -9} of its postmaster (the first line of postmaster.pid). */
final class Postmasters {
  private Postmasters() {}

  /** The PID postmaster.pid names. */
  static long pidOf(Path data) {
    try {
      return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
    } catch (IOException e) {
      throw new UncheckedIOException("no postmaster.pid in " + data, e);
    }
  }

  /** SIGKILLs the postmaster of {@code data} and waits until it is gone; returns its PID. */
  static long kill9(Path data) {
    long pid = pidOf(data);
    Processes.run(List.of("kill", "-KILL", Long.toString(pid)), Duration.ofSeconds(10)).assertExit(0);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (Files.isDirectory(Path.of("/proc", Long.toString(pid))) && System.nanoTime() < deadline) {
      Psql.sleep(10);
    }
    if (Files.isDirectory(Path.of("/proc", Long.toString(pid)))) {
      throw new AssertionError("postmaster " + pid + " still alive after SIGKILL");
    }
    if (!Files.exists(data.resolve("postmaster.pid"))) {
      throw new AssertionError("a killed postmaster cannot remove its pid file; it is gone: was it killed?");
    }
    return pid;
  }
}
