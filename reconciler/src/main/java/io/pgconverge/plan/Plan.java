package io.pgconverge.plan;

import java.util.List;

/**
 * The outcome of planning: the drift found, the actions that fix it in order, what was refused
 * or could not be judged, and the restarts that wait for policy.
 */
public record Plan(List<Drift> drifts, List<Action> actions, List<Refusal> refusals, List<String> pendingRestarts) {
  public Plan {
    drifts = List.copyOf(drifts);
    actions = List.copyOf(actions);
    refusals = List.copyOf(refusals);
    pendingRestarts = List.copyOf(pendingRestarts);
  }

  public boolean inSync() {
    return drifts.isEmpty() && refusals.isEmpty() && pendingRestarts.isEmpty();
  }

  public boolean hasMutations() {
    return actions.stream().anyMatch(Action::mutates);
  }
}
