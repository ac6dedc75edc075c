package io.pgconverge.desired;

import java.util.Optional;

/**
 * How far the reconciler may go on its own.
 *
 * @param window when {@link RestartPolicy#WINDOW} may restart; present whenever restart is WINDOW
 */
public record Policy(RestartPolicy restart, Optional<MaintenanceWindow> window) {
  public static final Policy DEFAULT = new Policy(RestartPolicy.NEVER);

  public Policy(RestartPolicy restart) {
    this(restart, Optional.empty());
  }
}
