package io.pgconverge.plan;

/** What kind of thing drifted; its text is the word used in logs and metrics. */
public enum DriftKind {
  DATA_DIRECTORY("data-directory"),
  SETTING("setting"),
  CONFIG_FILE("config-file"),
  HBA("hba"),
  ALTER_SYSTEM("alter-system"),
  SERVER("server"),
  ROLE("role"),
  REPLICATION("replication"),
  SLOT("slot"),
  STANDBY("standby"),
  PENDING_RESTART("pending-restart"),
  /** A managed file modified after the server last loaded its config: written, not loaded. */
  NOT_LOADED("not-loaded");

  private final String text;

  DriftKind(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }
}
