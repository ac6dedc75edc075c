package io.pgconverge.observe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** What a file on the host held when it was read: its bytes, its absence, or why it could not be read. */
public sealed interface FileFact {
  Path path();

  record Absent(Path path) implements FileFact {}

  record Present(Path path, byte[] bytes) implements FileFact {
    public String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  record Unreadable(Path path, String reason) implements FileFact {}
}
