package io.pgconverge.pg;

import java.util.Objects;

/**
 * An {@code include}, {@code include_if_exists} or {@code include_dir} directive. The parser
 * records it and does not follow it (following it would be I/O).
 *
 * @param directive the directive, lower-cased
 * @param path the path as written, unquoted
 * @param line the 1-based line number in the file
 */
public record ConfInclude(String directive, String path, int line) {
  public ConfInclude {
    Objects.requireNonNull(directive, "directive");
    Objects.requireNonNull(path, "path");
  }
}
