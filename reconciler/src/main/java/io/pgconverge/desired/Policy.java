package io.pgconverge.desired;

import java.util.Optional;

/**
 * How far the reconciler may go on its own: whether it may restart the server for a setting (and
 * when: {@code window}), and what it may do with a former primary's data directory that cannot be
 * rewound.
 *
 * @param window when {@link RestartPolicy#WINDOW} may restart; present whenever restart is WINDOW
 */
public record Policy(RestartPolicy restart, ReclonePolicy reclone, Optional<MaintenanceWindow> window) {
  public static final Policy DEFAULT = new Policy(RestartPolicy.NEVER, ReclonePolicy.NEVER);

  public Policy(RestartPolicy restart) {
    this(restart, ReclonePolicy.NEVER);
  }

  public Policy(RestartPolicy restart, ReclonePolicy reclone) {
    this(restart, reclone, Optional.empty());
  }

  public Policy(RestartPolicy restart, Optional<MaintenanceWindow> window) {
    this(restart, ReclonePolicy.NEVER, window);
  }

  public Policy withReclone(ReclonePolicy r) {
    return new Policy(restart, r, window);
  }
}
