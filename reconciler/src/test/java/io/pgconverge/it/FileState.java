package io.pgconverge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * A file's bytes (as text) and modification time at one moment, to prove later that a run left
 * it alone. Two states are equal when content and mtime are equal.
 */
public record FileState(Path path, String content, FileTime modified) {

  /** Reads {@code path} now. Has no side effects. */
  public static FileState of(Path path) {
    try {
      return new FileState(
          path,
          new String(Files.readAllBytes(path), StandardCharsets.UTF_8),
          Files.getLastModifiedTime(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }
}
