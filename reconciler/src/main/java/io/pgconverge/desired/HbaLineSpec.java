package io.pgconverge.desired;

/**
 * One line of {@code postgres.hba} exactly as written, with its position in the list. The text is
 * parsed by {@link io.pgconverge.pg.HbaLine#parse}; the word {@code peers} in the address column
 * expands to one line per peer host.
 */
public record HbaLineSpec(int index, String text) {
  public String field() {
    return "postgres.hba[" + index + "]";
  }
}
