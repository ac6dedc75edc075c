package io.pgconverge.desired;

import java.nio.file.Path;
import java.util.List;

/** What reading a desired-state file gave: a valid desired state, or every problem found in it. */
public sealed interface LoadResult permits LoadResult.Valid, LoadResult.Invalid {

  /** The file passed validation. */
  record Valid(DesiredState state) implements LoadResult {}

  /**
   * The file did not pass validation; {@code problems} holds all of them (never empty), in the
   * order they appear in the file.
   */
  record Invalid(Path file, List<Problem> problems) implements LoadResult {
    public Invalid {
      if (problems.isEmpty()) {
        throw new IllegalArgumentException("an invalid result needs at least one problem");
      }
      problems = List.copyOf(problems);
    }
  }
}
