package io.pgconverge.desired;

/** What to do about a setting that only takes effect after a server restart. */
public enum RestartPolicy {
  /** Report the restart as pending on every run; never restart. */
  NEVER,
  /** Restart the server as soon as a setting needs it. */
  ALWAYS,
  /** Restart only while the maintenance window ({@code policy.window}) is open; pending until then. */
  WINDOW;

  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
