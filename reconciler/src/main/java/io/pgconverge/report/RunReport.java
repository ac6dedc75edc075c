package io.pgconverge.report;

import io.pgconverge.apply.Outcome;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.Refusal;
import io.pgconverge.plan.SynchronousStandbys;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one run found and did. Holds no secret: drifts, outcomes and refusals are built from
 * descriptions that never include a password.
 */
public record RunReport(
    String runId,
    boolean checkOnly,
    Path desiredState,
    Instant startedAt,
    Duration duration,
    List<Drift> drifts,
    List<Outcome> outcomes,
    List<Refusal> refusals,
    List<String> pendingRestarts,
    List<String> problems,
    List<RunStatus.ReplicationPeer> replication,
    RunStatus.ServerView server,
    Optional<SynchronousStandbys.Decision> synchronous) {

  /** A report without a synchronous replication decision (no section, or a replica). */
  public RunReport(String runId, boolean checkOnly, Path desiredState, Instant startedAt, Duration duration, List<Drift> drifts,
      List<Outcome> outcomes, List<Refusal> refusals, List<String> pendingRestarts, List<String> problems,
      List<RunStatus.ReplicationPeer> replication, RunStatus.ServerView server) {
    this(runId, checkOnly, desiredState, startedAt, duration, drifts, outcomes, refusals, pendingRestarts, problems, replication,
        server, Optional.empty());
  }

  /** A report whose server role and timeline are unknown. */
  public RunReport(String runId, boolean checkOnly, Path desiredState, Instant startedAt, Duration duration, List<Drift> drifts,
      List<Outcome> outcomes, List<Refusal> refusals, List<String> pendingRestarts, List<String> problems,
      List<RunStatus.ReplicationPeer> replication) {
    this(runId, checkOnly, desiredState, startedAt, duration, drifts, outcomes, refusals, pendingRestarts, problems, replication,
        RunStatus.ServerView.UNKNOWN);
  }

  public RunReport {
    drifts = List.copyOf(drifts);
    outcomes = List.copyOf(outcomes);
    refusals = List.copyOf(refusals);
    pendingRestarts = List.copyOf(pendingRestarts);
    problems = List.copyOf(problems);
    replication = List.copyOf(replication);
  }

  /**
   * The replication this host saw at its last observation, one entry per peer: on a primary each
   * replica peer's walsender state and lag in bytes (-1 when unknown); on a replica its WAL
   * receiver's status towards the primary.
   */
  public static List<RunStatus.ReplicationPeer> replicationOf(HostStatus status, String primaryName) {
    List<RunStatus.ReplicationPeer> out = new java.util.ArrayList<>();
    for (HostStatus.Replica r : status.replication()) {
      out.add(new RunStatus.ReplicationPeer(r.peer() != null ? r.peer() : r.applicationName(),
          r.streaming() ? "streaming" : r.state(), r.lagBytes(), r.lagSeconds(), r.syncState()));
    }
    status.walReceiver().ifPresent(w -> out.add(new RunStatus.ReplicationPeer(primaryName, w.status(), -1)));
    return out;
  }

  public long applied() {
    return outcomes.stream().filter(o -> o instanceof Outcome.Applied && o.action().mutates()).count();
  }

  /** How many times this run started the server again after its postmaster had died. */
  public int serverCrashRestarts() {
    return (int) outcomes.stream()
        .filter(o -> o instanceof Outcome.Applied && o.action() instanceof Action.StartServer s && s.afterCrash())
        .count();
  }

  public long failed() {
    return outcomes.stream().filter(o -> o instanceof Outcome.Failed).count();
  }

  public RunResult result() {
    if (!problems.isEmpty()) {
      return RunResult.INVALID;
    }
    boolean failures = failed() > 0 || !refusals.isEmpty();
    if (checkOnly) {
      if (failures) {
        return RunResult.FAILED;
      }
      return drifts.isEmpty() && pendingRestarts.isEmpty() ? RunResult.IN_SYNC : RunResult.DRIFT;
    }
    boolean changed = applied() > 0;
    if (changed && failures) {
      return RunResult.CHANGED_WITH_FAILURES;
    }
    if (failures) {
      return RunResult.FAILED;
    }
    return changed ? RunResult.CHANGED : RunResult.IN_SYNC;
  }

  /** True when nothing failed and every refusal only waits for another host (see {@link io.pgconverge.plan.RefusalReason#waitsForPeer}). */
  public boolean waitingOnPeer() {
    return failed() == 0 && !refusals.isEmpty() && refusals.stream().allMatch(r -> r.reason().waitsForPeer());
  }

  /** The actions that would rewrite a file, for {@code check --diff}. */
  public List<Action.WriteFile> fileWrites() {
    return outcomes.stream()
        .map(Outcome::action)
        .filter(a -> a instanceof Action.WriteFile)
        .map(a -> (Action.WriteFile) a)
        .toList();
  }
}
