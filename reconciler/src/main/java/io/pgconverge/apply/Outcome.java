package io.pgconverge.apply;

import io.pgconverge.plan.Action;

/** What became of one action. {@code detail} and {@code cause} are for the log: never a secret. */
public sealed interface Outcome {
  Action action();

  record Applied(Action action, String detail) implements Outcome {}

  /** Not attempted: a stage it needs failed, or the run only checks. */
  record Skipped(Action action, String reason) implements Outcome {}

  record Failed(Action action, String cause) implements Outcome {}
}
