package io.pgconverge.report;

import io.pgconverge.apply.Outcome;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.Refusal;
import io.pgconverge.plan.SynchronousStandbys;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the status file and the metrics file say about the last run: a value built from a {@link
 * RunReport} and the state of the desired-state file. Holds no secret (drifts and outcomes never
 * carry one).
 *
 * @param startedAt when the run began, before it read the desired-state file: a run that started
 *     after a moment read the file as it was then (what {@code apply} beside a daemon waits for)
 * @param finishedAt when the run ended
 * @param result how it ended; {@link RunResult#INVALID} when no valid desired state was ever read
 * @param failures why actions failed and what was refused, one human line each
 * @param desiredState whether the file on disk is valid, and which state is being enforced
 * @param replication one entry per peer this host streams to or from (empty until replicas exist)
 * @param serverCrashRestarts how many times this run started the server again after a crash (0 or 1)
 * @param synchronous on the primary with {@code replication.synchronous}: the declared and the
 *     written synchronous_standby_names, and whether it is degraded to asynchronous
 */
public record RunStatus(
    String runId,
    Instant startedAt,
    Instant finishedAt,
    RunResult result,
    Duration duration,
    List<Drift> drifts,
    List<String> pendingRestarts,
    List<String> failures,
    DesiredStateStatus desiredState,
    List<ReplicationPeer> replication,
    ServerView server,
    int serverCrashRestarts,
    Optional<SynchronousStandbys.Decision> synchronous) {

  /** A status without a synchronous replication decision. */
  public RunStatus(String runId, Instant startedAt, Instant finishedAt, RunResult result, Duration duration, List<Drift> drifts,
      List<String> pendingRestarts, List<String> failures, DesiredStateStatus desiredState, List<ReplicationPeer> replication,
      ServerView server, int serverCrashRestarts) {
    this(runId, startedAt, finishedAt, result, duration, drifts, pendingRestarts, failures, desiredState, replication, server,
        serverCrashRestarts, Optional.empty());
  }

  /** A status whose server role and timeline are unknown, of a run that started no crashed server again. */
  public RunStatus(String runId, Instant startedAt, Instant finishedAt, RunResult result, Duration duration, List<Drift> drifts,
      List<String> pendingRestarts, List<String> failures, DesiredStateStatus desiredState, List<ReplicationPeer> replication) {
    this(runId, startedAt, finishedAt, result, duration, drifts, pendingRestarts, failures, desiredState, replication, ServerView.UNKNOWN, 0);
  }

  /** A status of a run that started no crashed server again. */
  public RunStatus(String runId, Instant startedAt, Instant finishedAt, RunResult result, Duration duration, List<Drift> drifts,
      List<String> pendingRestarts, List<String> failures, DesiredStateStatus desiredState, List<ReplicationPeer> replication,
      ServerView server) {
    this(runId, startedAt, finishedAt, result, duration, drifts, pendingRestarts, failures, desiredState, replication, server, 0);
  }

  public RunStatus {
    drifts = List.copyOf(drifts);
    pendingRestarts = List.copyOf(pendingRestarts);
    failures = List.copyOf(failures);
    replication = List.copyOf(replication);
  }

  /**
   * The desired-state file as the daemon last read it.
   *
   * @param file the file watched
   * @param valid whether its current content passed validation
   * @param problems its {@code file:line:column: field: message} lines when it did not
   * @param enforcing the file whose last valid content is being enforced; empty while waiting
   */
  public record DesiredStateStatus(Path file, boolean valid, List<String> problems, Optional<Path> enforcing) {
    public DesiredStateStatus {
      problems = List.copyOf(problems);
    }
  }

  /**
   * Replication towards or from one peer; the lag is in bytes of WAL and in seconds of replay
   * (each -1 when unknown). {@code state} is "streaming" when WAL flows. {@code syncState} is the
   * primary's pg_stat_replication.sync_state for the peer ({@code async}, {@code potential},
   * {@code sync}, {@code quorum}), null when unknown (not connected, or seen from a replica).
   */
  public record ReplicationPeer(String peer, String state, long lagBytes, double lagSeconds, String syncState) {
    public ReplicationPeer(String peer, String state, long lagBytes) {
      this(peer, state, lagBytes, -1, null);
    }

    public ReplicationPeer(String peer, String state, long lagBytes, double lagSeconds) {
      this(peer, state, lagBytes, lagSeconds, null);
    }

    /** Whether the primary waits for this peer's confirmation before it acknowledges a commit. */
    public boolean synchronous() {
      return "sync".equals(syncState) || "quorum".equals(syncState);
    }

    public boolean connected() {
      return "streaming".equals(state);
    }
  }

  /**
   * What the last observation saw of the server: its role ({@code primary}, {@code replica}, or
   * {@code none} when no server answered) and timeline (0 when unknown).
   */
  public record ServerView(String role, int timeline) {
    public static final ServerView UNKNOWN = new ServerView("none", 0);

    /** The server's role and timeline as a host status shows them. */
    public static ServerView of(HostStatus s) {
      return s.server().equals("running") ? new ServerView(s.inRecovery() ? "replica" : "primary", s.timeline()) : UNKNOWN;
    }
  }

  /** The status after a run of the loop that began when the report did. */
  public static RunStatus of(RunReport report, Instant finishedAt, DesiredStateStatus desiredState) {
    return of(report, report.startedAt(), finishedAt, desiredState);
  }

  /** The status after a run that began at {@code startedAt} (the daemon: before it read the file). */
  public static RunStatus of(RunReport report, Instant startedAt, Instant finishedAt, DesiredStateStatus desiredState) {
    List<String> failures = new ArrayList<>();
    for (Outcome o : report.outcomes()) {
      if (o instanceof Outcome.Failed f) {
        failures.add(f.action().describe() + ": " + f.cause());
      }
    }
    for (Refusal r : report.refusals()) {
      failures.add("refused " + r.message());
    }
    return new RunStatus(report.runId(), startedAt, finishedAt, report.result(), report.duration(), report.drifts(),
        report.pendingRestarts(), failures, desiredState, report.replication(), report.server(), report.serverCrashRestarts(),
        report.synchronous());
  }

  /** The status while no valid desired state has been read yet: nothing was enforced. */
  public static RunStatus waiting(String runId, Instant finishedAt, Duration duration, DesiredStateStatus desiredState) {
    return new RunStatus(runId, finishedAt.minus(duration), finishedAt, RunResult.INVALID, duration, List.of(), List.of(), List.of(), desiredState, List.of());
  }

  /** True when the run did what it had to: in sync, or changed without failures. */
  public boolean success() {
    return result == RunResult.IN_SYNC || result == RunResult.CHANGED;
  }
}
