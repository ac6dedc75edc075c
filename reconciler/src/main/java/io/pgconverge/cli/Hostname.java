package io.pgconverge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's short hostname, the default for {@code self}; no DNS lookup. */
final class Hostname {
  private Hostname() {}

  static String get() {
    try {
      String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      if (!h.isEmpty()) {
        return h.split("\\.")[0];
      }
    } catch (IOException e) {
      // fall through
    }
    String env = System.getenv("HOSTNAME");
    return env == null ? "localhost" : env.split("\\.")[0];
  }
}
