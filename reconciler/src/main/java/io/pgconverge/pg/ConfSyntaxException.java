package io.pgconverge.pg;

/** A postgresql.conf line that the server would reject as a syntax error. */
public class ConfSyntaxException extends Exception {
  private final int line;

  /**
   * @param line the 1-based line number
   * @param message what is wrong, naming the offending token; the line number is prefixed
   */
  public ConfSyntaxException(int line, String message) {
    super("line " + line + ": " + message);
    this.line = line;
  }

  public int line() {
    return line;
  }
}
