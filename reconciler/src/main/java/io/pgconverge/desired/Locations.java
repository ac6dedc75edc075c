package io.pgconverge.desired;

import java.util.Map;
import java.util.Optional;

/**
 * Where each field of a desired state was written, keyed by its path as a user would name it:
 * {@code peers[1].port}, {@code postgres.settings.wal_level}, {@code postgres.hba[0]}. Has no
 * side effects.
 */
public record Locations(Map<String, SourceLocation> byField) {
  public static final Locations NONE = new Locations(Map.of());

  public Locations {
    byField = Map.copyOf(byField);
  }

  public Optional<SourceLocation> of(String field) {
    return Optional.ofNullable(byField.get(field));
  }

  /** "field (file:line:col)" or just the field when its place is unknown. */
  public String describe(String field) {
    return of(field).map(l -> field + " (" + l + ")").orElse(field);
  }
}
