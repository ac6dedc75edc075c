package io.pgconverge.observe;

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

  public static DataDirectoryFact read(Path data) {
    if (!Files.exists(data, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.exists(data)) {
      return new DataDirectoryFact.Missing(data);
    }
    if (!Files.isDirectory(data)) {
      return new DataDirectoryFact.Unreadable(data, "exists but is not a directory");
    }
    List<String> entries;
    try (Stream<Path> s = Files.list(data)) {
      entries = s.map(p -> p.getFileName().toString()).sorted().toList();
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
