package io.pgconverge.host;

import java.util.List;

/** How a command ended: its exit code and what it printed (stdout and stderr). */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderr, boolean timedOut) {
  public boolean ok() {
    return exitCode == 0 && !timedOut;
  }

  /** The last {@code n} non-blank lines of stderr then stdout, for messages. */
  public String tail(int n) {
    String all = (stderr + "\n" + stdout).strip();
    List<String> lines = all.lines().filter(l -> !l.isBlank()).toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }
}
