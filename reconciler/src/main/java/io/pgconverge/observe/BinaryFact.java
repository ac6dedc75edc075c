package io.pgconverge.observe;

import java.nio.file.Path;

/** Where the PostgreSQL server binaries (initdb, pg_ctl, postgres) were found, or why not. */
public sealed interface BinaryFact {
  record Found(Path directory) implements BinaryFact {}

  record NotFound(String reason) implements BinaryFact {}
}
