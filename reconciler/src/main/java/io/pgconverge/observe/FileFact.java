package io.pgconverge.observe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** What a file on the host held when it was read: its bytes, its absence, or why it could not be read. */
public sealed interface FileFact {
  Path path();

  record Absent(Path path) implements FileFact {}

  /** @param modified the file's mtime, when it was read (a probe's fact; planner fixtures leave it out) */
  record Present(Path path, byte[] bytes, java.util.Optional<java.time.Instant> modified) implements FileFact {
    public Present(Path path, byte[] bytes) {
      this(path, bytes, java.util.Optional.empty());
    }

    public String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  record Unreadable(Path path, String reason) implements FileFact {}
}
