package io.pgconverge.observe;

import io.pgconverge.host.FileAccess;
import io.pgconverge.pg.DataDirectoryClassifier;
import io.pgconverge.pg.DataDirectoryKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads what PGDATA holds, without changing it. */
public final class DataDirectoryProbe {
  private DataDirectoryProbe() {}

  /**
   * What PGDATA holds. A path this user may not reach or list is {@link DataDirectoryFact.Unreadable}
   * with the user, the blocking path and its mode, never "missing" (which would mean initdb).
   */
  public static DataDirectoryFact read(Path data) {
    java.util.Optional<String> denied = FileAccess.denial(data);
    if (denied.isPresent()) {
      return new DataDirectoryFact.Unreadable(data, "permission denied: " + denied.get());
    }
    try {
      Files.readAttributes(data, java.nio.file.attribute.BasicFileAttributes.class);
    } catch (java.nio.file.NoSuchFileException e) {
      return Files.isSymbolicLink(data) ? new DataDirectoryFact.Unreadable(data, "it is a symbolic link to a path that does not exist")
          : new DataDirectoryFact.Missing(data);
    } catch (java.nio.file.AccessDeniedException e) {
      return new DataDirectoryFact.Unreadable(data, FileAccess.permissionDenied(data));
    } catch (IOException e) {
      return new DataDirectoryFact.Unreadable(data, "cannot read its attributes: " + e.getMessage());
    }
    if (!Files.isDirectory(data)) {
      return new DataDirectoryFact.Unreadable(data, "exists but is not a directory");
    }
    List<String> entries;
    try (Stream<Path> s = Files.list(data)) {
      entries = s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (java.nio.file.AccessDeniedException e) {
      return new DataDirectoryFact.Unreadable(data, FileAccess.permissionDenied(data));
    } catch (IOException e) {
      return new DataDirectoryFact.Unreadable(data, "cannot list it: " + e.getMessage());
    }
    boolean hasControl = Files.isRegularFile(data.resolve("global").resolve("pg_control"));
    DataDirectoryKind kind = DataDirectoryClassifier.classify(entries, hasControl);
    return switch (kind) {
      case MISSING -> new DataDirectoryFact.Missing(data);
      case EMPTY -> new DataDirectoryFact.Empty(data, entries);
      case FOREIGN -> new DataDirectoryFact.Foreign(data, entries);
      case INITIALIZED -> {
        String version;
        try {
          version = Files.readString(data.resolve("PG_VERSION"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
          yield new DataDirectoryFact.Unreadable(data, "cannot read PG_VERSION: " + e.getMessage());
        }
        yield new DataDirectoryFact.Initialized(data, version, Optional.empty());
      }
    };
  }
}
