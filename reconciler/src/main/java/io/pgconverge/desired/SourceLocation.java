package io.pgconverge.desired;

import java.nio.file.Path;

/** Where in the desired-state file the user wrote something: file, 1-based line and column. */
public record SourceLocation(Path file, int line, int column) {
  @Override
  public String toString() {
    return (file == null ? "<input>" : file.getFileName().toString()) + ":" + line + ":" + column;
  }
}
