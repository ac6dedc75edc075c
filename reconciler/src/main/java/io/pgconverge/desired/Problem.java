package io.pgconverge.desired;

/**
 * One thing wrong with a desired-state file: where it was written, the field as a user would name
 * it ({@code peers[2].port}) and what is wrong with it.
 *
 * @param field the field path; empty for a problem with the file as a whole (it cannot be read,
 *     or it is not YAML)
 */
public record Problem(SourceLocation location, String field, String message) {

  /**
   * {@code <file as given>:<line>:<column>: <field>: <message>}, the file path exactly as it was
   * passed to the loader; the field part is left out when the field is empty.
   */
  @Override
  public String toString() {
    String file = location.file() == null ? "<input>" : location.file().toString();
    String where = file + ":" + location.line() + ":" + location.column() + ": ";
    return field.isEmpty() ? where + message : where + field + ": " + message;
  }
}
