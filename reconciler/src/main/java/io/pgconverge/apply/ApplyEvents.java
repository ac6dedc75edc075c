package io.pgconverge.apply;

import io.pgconverge.plan.Action;
import java.time.Duration;

/**
 * What the {@link Applier} tells as it goes, so the log shows each step when it happens rather
 * than when the run ends. Implementations must not throw; the default methods do nothing.
 */
public interface ApplyEvents {
  /** Does nothing: for callers that only want the outcomes the applier returns. */
  ApplyEvents NONE = new ApplyEvents() {};

  /** Called once per action, right after it was applied, skipped or failed; {@code took} is zero for a skip. */
  default void outcome(Outcome outcome, Duration took) {}

  /**
   * Called while a long copy runs (pg_basebackup), at most about once a second: bytes copied so
   * far and the server's estimate of the total (0 when unknown).
   */
  default void progress(Action action, long doneBytes, long totalBytes) {}
}
