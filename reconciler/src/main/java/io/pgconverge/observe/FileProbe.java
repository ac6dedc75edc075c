package io.pgconverge.observe;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a file's bytes, or records that it is absent or unreadable. */
public final class FileProbe {
  private FileProbe() {}

  public static FileFact read(Path path) {
    try {
      byte[] bytes = Files.readAllBytes(path);
      java.util.Optional<java.time.Instant> modified;
      try {
        modified = java.util.Optional.of(Files.getLastModifiedTime(path).toInstant());
      } catch (IOException e) {
        modified = java.util.Optional.empty();
      }
      return new FileFact.Present(path, bytes, modified);
    } catch (NoSuchFileException e) {
      return new FileFact.Absent(path);
    } catch (AccessDeniedException e) {
      return new FileFact.Unreadable(path, "permission denied");
    } catch (IOException e) {
      return new FileFact.Unreadable(path, e.toString());
    }
  }
}
