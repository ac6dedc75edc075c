package io.pgconverge.report;

/** How a run ended; the word is what logs, JSON and metrics say. */
public enum RunResult {
  IN_SYNC("in-sync", 0),
  CHANGED("changed", 2),
  DRIFT("drift", 2),
  FAILED("failed", 4),
  CHANGED_WITH_FAILURES("changed-with-failures", 6),
  INVALID("invalid", 1);

  private final String word;
  private final int exitCode;

  RunResult(String word, int exitCode) {
    this.word = word;
    this.exitCode = exitCode;
  }

  public String word() {
    return word;
  }

  public int exitCode() {
    return exitCode;
  }
}
