package io.pgconverge.plan;

/**
 * One named step of planning: it reads the desired state and the facts through the {@link
 * PlanBuilder}, adds drift, refusals, actions and pending restarts to it, and says whether the
 * steps after it may still run. Pure, like the planner: no I/O, no logger, no clock.
 */
interface PlanStep {
  /** Whether planning goes on after a step. */
  enum Next {
    /** The later steps run. */
    CONTINUE,
    /** Nothing after this step is planned (a refusal that protects data, a server stopping). */
    STOP
  }

  Next plan(PlanBuilder plan);
}
