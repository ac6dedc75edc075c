package io.pgconverge.pg;

import java.util.List;
import java.util.Optional;

/**
 * One pg_hba.conf record. STUB: the pg helper replaces the body with the real parser.
 */
public record HbaLine(
    String type,
    List<String> databases,
    List<String> users,
    Optional<String> address,
    Optional<String> mask,
    String method,
    List<String> options) {

  /** Parses one line of pg_hba.conf syntax; has no side effects. */
  public static HbaLine parse(String text) throws HbaSyntaxException {
    throw new UnsupportedOperationException("stub");
  }

  /** The canonical one-line form. */
  public String render() {
    throw new UnsupportedOperationException("stub");
  }

  public HbaLine withAddress(String newAddress) {
    return new HbaLine(type, databases, users, Optional.of(newAddress), Optional.empty(), method, options);
  }
}
