package io.pgconverge.it;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a finished subprocess left behind. Has no side effects.
 *
 * @param command the argv that ran
 * @param exitCode the process's exit status
 * @param stdout everything it wrote to standard output
 * @param stderr everything it wrote to standard error
 * @param duration wall-clock time from start to exit
 */
public record ProcessResult(
    List<String> command, int exitCode, String stdout, String stderr, Duration duration) {

  public ProcessResult {
    command = List.copyOf(command);
  }

  /** Standard output followed by standard error. */
  public String output() {
    return stdout + (stdout.isEmpty() || stdout.endsWith("\n") ? "" : "\n") + stderr;
  }

  /** Every line of {@link #output()}. */
  public List<String> lines() {
    return output().lines().collect(Collectors.toList());
  }

  /** Lines of stdout and stderr containing the word {@code drift} (any case). */
  public List<String> driftLines() {
    return lines().stream().filter(l -> l.matches("(?i)(^|.*\\s)drift\\s.*")).toList();
  }

  /** Lines of stdout and stderr containing {@code needle}, ignoring case. */
  public List<String> linesContaining(String needle) {
    String n = needle.toLowerCase(Locale.ROOT);
    return lines().stream()
        .filter(l -> l.toLowerCase(Locale.ROOT).contains(n))
        .collect(Collectors.toList());
  }

  /**
   * Throws an {@link AssertionError} showing the whole run unless the exit code is one of
   * {@code expected}; returns this for chaining.
   */
  public ProcessResult assertExit(int... expected) {
    if (Arrays.stream(expected).noneMatch(e -> e == exitCode)) {
      throw new AssertionError(
          "expected exit code " + Arrays.toString(expected) + " but got " + exitCode + "\n"
              + describe());
    }
    return this;
  }

  /** The command, exit code, duration and both streams, for failure messages. */
  public String describe() {
    return "$ " + String.join(" ", command) + "\n"
        + "exit " + exitCode + " after " + duration.toMillis() + " ms\n"
        + "--- stdout ---\n" + stdout + (stdout.endsWith("\n") ? "" : "\n")
        + "--- stderr ---\n" + stderr + (stderr.endsWith("\n") ? "" : "\n")
        + "--------------";
  }

  @Override
  public String toString() {
    return describe();
  }
}
