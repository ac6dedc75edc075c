package io.pgconverge.desired;

import io.pgconverge.pg.HbaLine;
import io.pgconverge.pg.HbaSyntaxException;

/**
 * One line of {@code postgres.hba}: its position in the list, the text exactly as written, and the
 * record {@link HbaLine#parse} made of it when the file was loaded (the line is parsed once; the
 * word {@code peers} in the address column expands to one line per peer host when it is rendered).
 */
public record HbaLineSpec(int index, String text, HbaLine line) {
  /** Parses {@code text}; for lines that are known to be valid (tests, built-in defaults). */
  public HbaLineSpec(int index, String text) {
    this(index, text, parse(text));
  }

  public String field() {
    return "postgres.hba[" + index + "]";
  }

  private static HbaLine parse(String text) {
    try {
      return HbaLine.parse(text);
    } catch (HbaSyntaxException e) {
      throw new IllegalArgumentException("not a pg_hba.conf line: " + text + ": " + e.getMessage(), e);
    }
  }
}
