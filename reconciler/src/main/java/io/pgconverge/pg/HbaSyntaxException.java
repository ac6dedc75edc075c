package io.pgconverge.pg;

/** A pg_hba.conf line that does not parse; {@code column} is 1-based within the line. */
public class HbaSyntaxException extends Exception {
  private final int column;

  public HbaSyntaxException(int column, String message) {
    super(message);
    this.column = column;
  }

  public int column() {
    return column;
  }
}
