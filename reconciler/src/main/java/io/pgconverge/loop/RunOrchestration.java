package io.pgconverge.loop;

import io.pgconverge.host.Commands;
import io.pgconverge.host.ProcessCommands;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateCache;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.desired.Problem;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.HostProbe;
import io.pgconverge.plan.PlanContext;
import io.pgconverge.plan.Planner;
import io.pgconverge.report.HostStatus;
import io.pgconverge.report.RunEvents;
import io.pgconverge.report.RunLog;
import io.pgconverge.report.RunReport;
import io.pgconverge.report.RunResult;
import io.pgconverge.report.RunStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One run, the same for {@code apply}, {@code check}, {@code status} and the daemon. The command
 * line and the daemon only say when to run and where the output goes (a terminal for progress,
 * the status and metrics files, their own summary lines); what a run does is here, in this order.
 *
 * <ol>
 *   <li><b>Run id.</b> Ten hex digits on every log line of the run (MDC {@code run}). The daemon
 *       notes the start before it reads the file: a run whose {@code started_at} is after a
 *       moment read the file as it was then.
 *   <li><b>Desired state.</b> The daemon reads the file on every run ({@link #next}) through the
 *       {@link DesiredStateCache} it keeps for its life; a command hands in the state it read
 *       through its own cache before it re-executed as postgres.user ({@link #once}). A state that
 *       does not load, or whose postgresql.conf the server binary rejects ({@link
 *       ServerAcceptance}, asked once per new state), is not enforced at all: a command ends as
 *       invalid (exit 1); the daemon keeps enforcing its last valid state whole, or waits (and
 *       reports) while it has none.
 *   <li><b>Lock.</b> {@code apply} and the daemon hold the data directory's {@link RunLock} (the
 *       daemon from its start for its life, taking the new one when the data directory changes);
 *       {@code check} and {@code status} take none. Held by another process or not takeable: one
 *       {@link LockRefusal}. A command ends with it (exit 4; apply then asks the daemon), the daemon
 *       keeps its old state and retries soon.
 *   <li><b>Roles.</b> The daemon's {@link RoleSource}: the file's (file mode), or the holder of
 *       etcd's leader key (etcd mode). When nobody holds it: before the cluster exists in etcd,
 *       or while it is paused, the run enforces nothing (no pass runs, so nothing is made,
 *       promoted or started) and the status file says why; once it exists, the pass is the
 *       planner's leaderless one, whose only change is a stopped server started read-only
 *       (standby.signal) so that it can be a candidate, and its drift says why.
 *   <li><b>Maintenance window.</b> Judged once per run, from the clock and the time zone, into the
 *       {@link PlanContext}: outside it a restart under {@code policy.restart: window} is planned
 *       as pending.
 *   <li><b>Passes.</b> observe → plan → apply through {@link Reconciler#run}; {@code check} makes
 *       one pass that changes nothing; {@code status} observes and plans once and applies nothing
 *       ({@link #look}).
 *   <li><b>Report.</b> The run's lines as its steps happen, then its refusals, pending restarts
 *       and summary ({@link RunLog}).
 *   <li><b>Status and metrics files.</b> Written once per run (metrics first) when the caller
 *       gave {@link StatusFiles} — also for a daemon run that enforced nothing; then the copy of
 *       the enforced state beside them, rewritten when it changed and never while the file on
 *       disk is invalid.
 * </ol>
 *
 * <p>Not thread-safe: one run at a time (the daemon's single Quartz worker).
 */
public final class RunOrchestration implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("pgconverge");

  /** What kind of run: it says whether actions change the host and who holds the lock. */
  public enum Mode {
    /** converge once, holding the lock for the run */
    APPLY,
    /** one pass that changes nothing, no lock */
    CHECK,
    /** converge on every {@link #next}, reading the file each time; the lock is held until {@link #close} */
    DAEMON
  }

  /** The observe → plan → apply passes of one run: {@link Reconciler#run}. */
  @FunctionalInterface
  public interface Passes {
    RunReport run(DesiredState desired, boolean checkOnly, String runId, PlanContext context, RunEvents events,
        ServerVerdict verdict);
  }

  /**
   * What a run touches besides the files it is given, as constructor parameters so that a test can
   * stand in for each.
   *
   * @param acceptance the server's problems with a state (empty: accepted)
   * @param look one observation and plan of the host, nothing applied
   */
  public record Seams(Clock clock, TimeZone zone, Passes passes, Function<DesiredState, List<Problem>> acceptance,
      Function<DesiredState, HostStatus> look) {
    /** The real ones; once {@code cancelled} is true no new action or pass starts (a stopping daemon). */
    public static Seams real(BooleanSupplier cancelled) {
      return real(cancelled, new ProcessCommands());
    }

    /** The real ones, running commands through {@code commands} (which a stopping daemon cancels). */
    public static Seams real(BooleanSupplier cancelled, Commands commands) {
      Clock clock = Clock.systemUTC();
      return new Seams(clock, TimeZone.getDefault(), new Reconciler(clock, cancelled, commands)::run, new ServerAcceptance()::problems,
          RunOrchestration::observeAndPlan);
    }
  }

  /**
   * Why the data directory's lock was not taken.
   *
   * @param held set when another reconciler holds it (its PID is in the lock file)
   * @param message the line to log: who holds it, or why it could not be taken
   */
  public record LockRefusal(Path lockFile, Optional<RunLock.HeldException> held, String message) {}

  /**
   * What one run did.
   *
   * @param problems the problems of the desired state read (empty: valid and accepted by the server)
   * @param lockRefusal set when the lock was not taken
   * @param report the report of the passes; empty when nothing was enforced
   * @param status what the status file says of the run; empty when the run ended before the passes
   *     (a command's invalid state or refused lock)
   */
  public record Result(String runId, List<Problem> problems, Optional<LockRefusal> lockRefusal, Optional<RunReport> report,
      Optional<RunStatus> status) {
    public Result {
      problems = List.copyOf(problems);
    }

    /** The exit code of a command's run: the report's; else 4 when the lock was refused, 1 when the state was invalid. */
    public int exitCode() {
      return report.map(r -> r.result().exitCode()).orElse(lockRefusal.isPresent() ? 4 : 1);
    }

    /** True when an action failed or was refused (result failed or changed-with-failures). */
    public boolean actionsFailed() {
      return report.filter(r -> r.result() == RunResult.FAILED || r.result() == RunResult.CHANGED_WITH_FAILURES).isPresent();
    }

    /** True when the daemon should try again soon: an action failed, or the lock of a new data directory was refused. */
    public boolean failed() {
      return actionsFailed() || lockRefusal.isPresent();
    }

    /** True when what failed waits for another host (a replica whose primary is not up yet). */
    public boolean waitingOnPeer() {
      return actionsFailed() && report.get().waitingOnPeer();
    }

    /** Why the run failed, one line; empty when it did not. */
    public String cause() {
      return actionsFailed() ? String.join("; ", status.map(RunStatus::failures).orElse(List.of()))
          : lockRefusal.map(LockRefusal::message).orElse("");
    }
  }

  private final Mode mode;
  private final Path config;
  private final String defaultSelf;
  private final DesiredStateCache cache;
  private final StatusFiles files;
  private final PrintStream terminal;
  private final Consumer<Path> onLocked;
  private final Seams seams;
  private RunLock lock;
  private Path lockedData;
  private volatile DesiredState lastValid;
  private RoleSource roleSource = RoleSource.COMMAND;

  /**
   * @param config the desired-state file (the daemon reads it on every run)
   * @param defaultSelf this host's peer name when the file names no {@code self}
   * @param cache the caller's cache, through which the state handed to {@link #once} was read
   * @param files where the status and metrics files go; null: none are written
   * @param terminal stderr when it is a terminal (a long copy's progress is drawn there), else null
   * @param onLocked told of the data directory each time its lock is taken (the daemon watches
   *     its postmaster)
   */
  public RunOrchestration(Mode mode, Path config, String defaultSelf, DesiredStateCache cache, StatusFiles files,
      PrintStream terminal, Consumer<Path> onLocked, Seams seams) {
    this.mode = mode;
    this.config = config;
    this.defaultSelf = defaultSelf;
    this.cache = cache;
    this.files = files;
    this.terminal = terminal;
    this.onLocked = onLocked;
    this.seams = seams;
  }

  /**
   * Who is primary for the runs ({@link RoleSource#COMMAND} until set): the daemon hands in
   * its failover loop's view under {@code failover.mode: etcd}.
   */
  public void roleSource(RoleSource source) {
    this.roleSource = source;
  }

  /** {@code apply} or {@code check} with the real passes. */
  public static RunOrchestration command(Mode mode, Path config, String defaultSelf, DesiredStateCache cache, StatusFiles files,
      PrintStream terminal) {
    return new RunOrchestration(mode, config, defaultSelf, cache, files, terminal, data -> {}, Seams.real(() -> false));
  }

  /** The daemon's orchestration, kept for its life; {@code cancelled} turns true when it stops. */
  public static RunOrchestration daemon(Path config, String defaultSelf, StatusFiles files, BooleanSupplier cancelled,
      Commands commands, Consumer<Path> onLocked) {
    return new RunOrchestration(Mode.DAEMON, config, defaultSelf, new DesiredStateCache(), files, null, onLocked,
        Seams.real(cancelled, commands));
  }

  /**
   * A command's run of a state it read through its cache: steps 1 and 2 (the server's word), 3
   * (apply only; the lock is let go at the end), 4 to 7. Changes the host under {@link Mode#APPLY}.
   * The server's word is asked while the lock is taken and the first pass observes ({@link
   * ServerVerdict}); that pass plans nothing until it has it. A state the server rejects ends the
   * run as invalid whether or not the lock could be taken.
   */
  public Result once(DesiredState desired) throws IOException {
    String runId = beginRun();
    ServerVerdict verdict = ServerVerdict.ask(seams.acceptance(), desired);
    Optional<LockRefusal> refused = mode == Mode.CHECK ? Optional.empty() : lock(desired.postgres().data());
    try {
      if (refused.isPresent()) {
        List<Problem> rejected = verdict.problems(); // a state the server rejects says so first, as before any lock
        return new Result(runId, rejected, rejected.isEmpty() ? refused : Optional.empty(), Optional.empty(), Optional.empty());
      }
      return enforce(runId, desired, null, new RunStatus.DesiredStateStatus(desired.source(), true, List.of(),
          Optional.of(desired.source())), List.of(), Optional.empty(), true, verdict);
    } catch (ServerVerdict.Rejected r) {
      return new Result(runId, r.problems(), Optional.empty(), Optional.empty(), Optional.empty());
    } finally {
      close();
    }
  }

  /** The daemon at start: when the file is valid, take its data directory's lock. Empty when taken or the file is invalid. */
  public Optional<LockRefusal> lockAtStart() {
    return cache.load(config, defaultSelf) instanceof LoadResult.Valid v ? lock(v.state().postgres().data()) : Optional.empty();
  }

  /** One daemon run, steps 1 to 7: reads the file, enforces it or the last valid state, writes the status files. */
  public Result next(String why) {
    String runId = beginRun();
    long t0 = System.nanoTime();
    Instant started = seams.clock().instant();
    LOG.info("run started ({})", why == null ? "scheduled" : why);
    List<Problem> problems = new ArrayList<>();
    Optional<LockRefusal> refused = Optional.empty();
    LoadResult loaded = cache.load(config, defaultSelf);
    if (loaded instanceof LoadResult.Invalid invalid) {
      problems.addAll(invalid.problems());
    } else if (loaded instanceof LoadResult.Valid valid) {
      DesiredState candidate = valid.state();
      problems.addAll(candidate == lastValid ? List.of() : seams.acceptance().apply(candidate)); // asked once per new file
      if (problems.isEmpty()) {
        refused = lock(candidate.postgres().data());
        refused.ifPresentOrElse(r -> LOG.error("not enforcing {}: {}", config, r.message()), () -> lastValid = candidate);
      }
    }
    problems.forEach(p -> LOG.warn("invalid desired state: {}", p));
    RunStatus.DesiredStateStatus ds = new RunStatus.DesiredStateStatus(config, problems.isEmpty(),
        problems.stream().map(Problem::toString).toList(), Optional.ofNullable(lastValid).map(DesiredState::source));
    if (lastValid == null) {
      LOG.warn("waiting for a valid desired state in {}: nothing is enforced until then", config);
      RunStatus waiting = RunStatus.waiting(runId, seams.clock().instant(), Duration.ofNanos(System.nanoTime() - t0), ds);
      if (files != null) {
        files.write(waiting);
      }
      return new Result(runId, problems, refused, Optional.empty(), Optional.of(waiting));
    }
    if (!problems.isEmpty()) {
      LOG.warn("keeps enforcing the last valid desired state read from {}", lastValid.source());
    }
    return enforce(runId, lastValid, started, ds, problems, refused, problems.isEmpty(), ServerVerdict.ACCEPTED);
  }

  /** Steps 4 to 7 for a state that may be enforced; {@code started} null: when the passes began. */
  private Result enforce(String runId, DesiredState desired, Instant started, RunStatus.DesiredStateStatus ds,
      List<Problem> problems, Optional<LockRefusal> refused, boolean saveCopy, ServerVerdict verdict) {
    boolean windowOpen = desired.policy().window()
        .map(w -> MaintenanceWindows.isOpen(w, seams.clock().instant(), seams.zone())).orElse(false);
    RoleSource.Roles roles = roleSource.roles(desired);
    if (roles.effective().isEmpty()) {
      LOG.warn("{}", roles.reason());
      Instant now = seams.clock().instant();
      Instant began = started == null ? now : started;
      RunStatus skipped = new RunStatus(runId, began, now, RunResult.FAILED, Duration.between(began, now), List.of(), List.of(),
          List.of(roles.reason()), ds, List.of());
      if (files != null) {
        files.write(skipped);
      }
      return new Result(runId, problems, refused, Optional.empty(), Optional.of(skipped));
    }
    if (roles.nobodyHoldsLeaderKey()) {
      LOG.info("{}", roles.reason());
    }
    DesiredState file = desired;
    desired = roles.effective().get();
    RunLog runLog = new RunLog(LOG, desired.self(), desired.cluster(), mode == Mode.CHECK, terminal, RunLog.PROGRESS_EVERY);
    RunReport report = seams.passes().run(desired, mode == Mode.CHECK, runId, roles.context(windowOpen), runLog, verdict);
    runLog.finish(report);
    RunStatus status = RunStatus.of(report, started == null ? report.startedAt() : started, seams.clock().instant(), ds);
    if (files != null) {
      if (saveCopy) { // before the status: a status that names a run has its copy of the state on disk already
        cache.textOf(file).ifPresent(files::saveLastValid);
      }
      files.write(status);
    }
    return new Result(runId, problems, refused, Optional.of(report), Optional.of(status));
  }

  /**
   * What {@code status} shows: one observation of the host and its plan (no maintenance window:
   * a restart shows as pending), nothing applied, no lock, no files.
   */
  public HostStatus look(DesiredState desired) {
    return seams.look().apply(desired);
  }

  /** Observes the host and plans for it; reads only. */
  static HostStatus observeAndPlan(DesiredState desired) {
    Facts facts = HostProbe.observe(desired);
    return HostStatus.of(desired, facts, Planner.plan(desired, facts));
  }

  /** The state the daemon enforces; empty until a valid one was read. */
  public Optional<DesiredState> lastValid() {
    return Optional.ofNullable(lastValid);
  }

  /** Gives a new run id to this thread's log lines (MDC {@code run}) and returns it. */
  private static String beginRun() {
    String runId = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
    MDC.put("run", runId);
    return runId;
  }

  /** Step 3: takes the lock of {@code data} unless it is held already; the one place a refused lock is caught. */
  private Optional<LockRefusal> lock(Path data) {
    Path normal = data.toAbsolutePath().normalize();
    if (lock != null && normal.equals(lockedData)) {
      return Optional.empty();
    }
    Path lockFile = RunLock.fileFor(normal);
    try {
      RunLock taken = RunLock.acquire(normal);
      Path previous = lockedData;
      try {
        close();
      } catch (IOException e) {
        LOG.debug("releasing the lock of {}: {}", previous, e.toString());
      }
      lock = taken;
      lockedData = normal;
      onLocked.accept(normal);
      return Optional.empty();
    } catch (RunLock.HeldException e) {
      return Optional.of(new LockRefusal(lockFile, Optional.of(e), e.getMessage()));
    } catch (IOException e) {
      return Optional.of(new LockRefusal(lockFile, Optional.empty(), "cannot take the lock " + lockFile + ": " + e));
    }
  }

  /** Lets go of the data directory's lock, when held. */
  @Override
  public void close() throws IOException {
    RunLock held = lock;
    lock = null;
    lockedData = null;
    if (held != null) {
      held.close();
    }
  }
}
