package io.pgconverge.pg;

/** A bad line in a pg_hba.conf file: the line's problem plus its 1-based line number. */
public class HbaFileSyntaxException extends HbaSyntaxException {
  private final int line;

  public HbaFileSyntaxException(int line, int column, String message) {
    super(column, "line " + line + ", column " + column + ": " + message);
    this.line = line;
  }

  public int line() {
    return line;
  }
}
