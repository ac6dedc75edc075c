package io.pgconverge.plan;

/**
 * What the planner is told about the moment it plans for, since it reads no clock itself.
 *
 * @param restartWindowOpen true while {@code policy.window} is open: under {@code policy.restart:
 *     window} a restart is planned only then, and reported as pending otherwise
 */
public record PlanContext(boolean restartWindowOpen) {
  /** No maintenance window open: {@code window} behaves like {@code never}. */
  public static final PlanContext DEFAULT = new PlanContext(false);
}
