package io.pgconverge.desired;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads {@code PG_VERSION} of a data directory, to know which major's settings apply. */
final class PgVersionFile {
  private PgVersionFile() {}

  /**
   * The text of {@code data/PG_VERSION}; empty when {@code data} is null or the file is missing,
   * unreadable or larger than a version. Reads only that file.
   */
  static Optional<String> read(Path data) {
    if (data == null) {
      return Optional.empty();
    }
    try {
      Path file = data.resolve("PG_VERSION");
      if (!Files.isRegularFile(file) || Files.size(file) > 16) {
        return Optional.empty();
      }
      return Optional.of(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException | SecurityException | java.io.UncheckedIOException e) {
      return Optional.empty();
    }
  }
}
