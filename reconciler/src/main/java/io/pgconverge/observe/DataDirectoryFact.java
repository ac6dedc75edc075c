package io.pgconverge.observe;

import io.pgconverge.pg.ControlData;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The state of PGDATA as found on disk. */
public sealed interface DataDirectoryFact {
  Path path();

  /** PGDATA does not exist. */
  record Missing(Path path) implements DataDirectoryFact {}

  /** PGDATA exists and holds nothing but dot-files and lost+found. */
  record Empty(Path path, List<String> entries) implements DataDirectoryFact {}

  /** PG_VERSION and global/pg_control: an initialized cluster. */
  record Initialized(Path path, String pgVersion, Optional<ControlData> control)
      implements DataDirectoryFact {}

  /** Anything else: content the reconciler did not make and must never touch. */
  record Foreign(Path path, List<String> entries) implements DataDirectoryFact {}

  /** It could not be read at all (permissions, not a directory). */
  record Unreadable(Path path, String reason) implements DataDirectoryFact {}
}
