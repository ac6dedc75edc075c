package io.pgconverge.desired;

/** What to do with a former primary's data directory when pg_rewind cannot bring it back. */
public enum ReclonePolicy {
  /** Report and touch nothing (the default). */
  NEVER("never"),
  /** Check free disk, rename PGDATA aside with a timestamp suffix (never delete it), take a fresh base backup. */
  MOVE_ASIDE("move-aside");

  private final String yamlName;

  ReclonePolicy(String yamlName) {
    this.yamlName = yamlName;
  }

  public String yamlName() {
    return yamlName;
  }
}
