package io.pgconverge.observe;

import java.nio.file.Path;

/**
 * The content of a password file. Its value never reaches a log or a message: {@link #toString()}
 * names only the file.
 */
public sealed interface Secret {
  Path file();

  record Readable(Path file, String value) implements Secret {
    @Override
    public String toString() {
      return "Secret[" + file + "]";
    }
  }

  record Unreadable(Path file, String reason) implements Secret {}
}
