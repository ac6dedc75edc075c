package io.pgconverge.desired;

/**
 * How far the reconciler may go on its own: whether it may restart the server for a setting, and
 * what it may do with a former primary's data directory that cannot be rewound.
 */
public record Policy(RestartPolicy restart, ReclonePolicy reclone) {
  public static final Policy DEFAULT = new Policy(RestartPolicy.NEVER, ReclonePolicy.NEVER);

  public Policy(RestartPolicy restart) {
    this(restart, ReclonePolicy.NEVER);
  }

  public Policy withReclone(ReclonePolicy r) {
    return new Policy(restart, r);
  }
}
