package io.pgconverge.report;

import io.pgconverge.apply.ApplyEvents;
import io.pgconverge.plan.Drift;

/**
 * What a run tells as it goes: each drift when a pass first sees it, and (from {@link
 * ApplyEvents}) each outcome and a long copy's progress. Implementations must not throw.
 */
public interface RunEvents extends ApplyEvents {
  /** Does nothing. */
  RunEvents NONE = new RunEvents() {};

  /** Called once per drift (kind and subject) in a run, when the pass that found it has planned. */
  default void drift(Drift drift) {}
}
