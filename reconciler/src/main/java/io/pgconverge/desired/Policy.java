package io.pgconverge.desired;

/** How far the reconciler may go on its own. */
public record Policy(RestartPolicy restart) {
  public static final Policy DEFAULT = new Policy(RestartPolicy.NEVER);
}
