package io.pgconverge.daemon;

import io.pgconverge.apply.Staging;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Schedule;
import io.pgconverge.etcd.EtcdException;
import io.pgconverge.failover.ClusterRequests;
import io.pgconverge.failover.control.ClusterControl;
import io.pgconverge.failover.runtime.FailoverLoop;
import io.pgconverge.host.Commands;
import io.pgconverge.host.ProcessCommands;
import io.pgconverge.loop.RoleSource;
import io.pgconverge.loop.RunLock;
import io.pgconverge.loop.RunOrchestration;
import io.pgconverge.loop.StatusFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The long-running reconciler: it holds no PostgreSQL logic, it decides when the loop runs; what a
 * run does is {@link RunOrchestration}'s (one kept for the daemon's life: its lock, its cache of
 * the desired-state file, its last valid state).
 *
 * <ol>
 *   <li>At start: read the desired state; when it is valid take the {@link RunLock} of its data
 *       directory (held by another reconciler: refuse and exit 4). Then run once at once.
 *   <li>Quartz (RAM job store, one worker thread, one job that does not run concurrently) fires
 *       the run: the next one is a one-shot trigger computed by {@link NextRun} after each run
 *       (schedule, jitter, backoff after a failure); a new desired-state file ({@link
 *       DesiredStateWatcher}) or SIGHUP fires a second trigger at once. A missed trigger fires once
 *       (misfire: fire now), never replayed. A postmaster that dies between runs ({@link
 *       PostmasterWatch}, twice a second) fires it at once too.
 *   <li>Each run is {@link RunOrchestration#next}: it re-reads the file; one that is invalid (it
 *       does not load, or the server binary rejects the postgresql.conf it renders) is reported
 *       and the last valid state keeps being enforced, whole (hand edits of managed files are
 *       reverted); without one the daemon waits. A failed run is tried again after a backoff.
 *   <li>SIGTERM (shutdown hook): no new action starts, a running initdb/pg_basebackup is killed
 *       with its process tree, the current run ends, a staging directory left beside PGDATA is
 *       removed; under {@code failover.mode: file} the PostgreSQL server is never stopped.
 *   <li>Under {@code failover.mode: etcd} (of the last valid state) a {@link FailoverLoop} runs
 *       beside the runs, rebuilt when the failover section, the peers or the server change and
 *       closed when the mode goes back to file; each run enforces the holder of the leader key as
 *       primary ({@link RoleSource#fromLeader}); while nobody holds it, nothing before the cluster
 *       exists in etcd or while it is paused, and otherwise only a stopped server started
 *       read-only (so that a cluster whose servers all went down gets candidates). SIGTERM then
 *       stops it as Patroni does: the leader stops its server and lets the key go, a replica
 *       revokes its lease; while paused nothing is stopped.
 * </ol>
 */
public final class Daemon {
  /** How long a stopping daemon waits for the current run to end (systemd waits 40 s, the issue 30 s). */
  static final Duration STOP_WAIT = Duration.ofSeconds(20);

  private static final Logger LOG = LoggerFactory.getLogger("pgconverge");
  private static final JobKey JOB = JobKey.jobKey("reconcile");
  private static final TriggerKey NEXT = TriggerKey.triggerKey("next");
  private static final TriggerKey PUSH = TriggerKey.triggerKey("push");

  /** What the command line hands over. */
  public record Options(Path config, Path statusFile, Path metricsFile, String defaultSelf) {}

  private final Options options;
  private final Clock clock = Clock.systemUTC();
  private final TimeZone zone = TimeZone.getDefault();
  private final ReentrantLock running = new ReentrantLock();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean stopping;
  private final PostmasterWatch postmasterWatch;
  /** Runs the loop's commands; {@link #stop()} cancels the long ones it still runs. */
  private final Commands commands = new ProcessCommands();
  private final RunOrchestration orchestration;
  private volatile Scheduler scheduler;
  /** The failover loop under failover.mode: etcd; null otherwise. Changed only by the run thread and {@link #stop}. */
  private volatile FailoverLoop failover;
  /** The desired state the last run's roles were asked for (the file's, before the leader is applied). */
  /** The preferred primary last handed to etcd's config key (run thread only); empty until that first succeeds. */
  private Optional<String> preferredHanded = Optional.empty();
  private DesiredStateWatcher watcher;
  private int failures;

  public Daemon(Options options) {
    this.options = options;
    this.postmasterWatch = new PostmasterWatch(this::push);
    this.orchestration = RunOrchestration.daemon(options.config(), options.defaultSelf(),
        new StatusFiles(options.statusFile(), options.metricsFile(), true), () -> stopping, commands, postmasterWatch::watch);
    this.orchestration.roleSource(this::roles);
  }

  /**
   * The roles of one run (on the run thread): the file's under failover.mode: file (any failover
   * loop is closed); under etcd the failover loop's view, starting or rebuilding the loop first
   * when the state's failover section, peers or server changed.
   */
  private RoleSource.Roles roles(DesiredState desired) {
    if (!desired.failover().etcdMode()) {
      closeFailover("failover.mode is file");
      return RoleSource.FILE.roles(desired);
    }
    FailoverLoop loop = failover;
    if (loop != null && !loop.servesFor(desired)) {
      LOG.info("failover: the failover section, the peers or the server changed: a new failover loop takes over");
      failover = null;
      loop.handOver();
      loop = null;
    }
    if (loop == null && !stopping) {
      try {
        loop = FailoverLoop.start(desired, commands, this::pushRun);
        failover = loop;
      } catch (IOException | RuntimeException e) {
        LOG.error("failover: cannot start the failover loop: {}", e.toString());
        return new RoleSource.Roles(java.util.Optional.empty(), true, false,
            "failover.mode etcd: the failover loop cannot start (" + e + "); roles are not enforced");
      }
    }
    preferredPrimary(desired);
    FailoverLoop.View view = loop == null ? new FailoverLoop.View(java.util.Optional.empty(), false) : loop.view();
    return FailoverLoop.roles(desired, view);
  }

  /**
   * Under failover.mode etcd the file's {@code role: primary} is the preferred primary, and a
   * pushed file that changes it is a one-shot switchover request ({@link
   * ClusterControl#preferredPrimaryChanged}: etcd's config key keeps its generation, so a re-push,
   * or the same file on every host, fires it once). The first state of this daemon only creates a
   * missing config key ({@link ClusterControl#preferredPrimaryAtStart}: a host restarted with a
   * stale file must not switch the cluster back). An etcd that does not answer: tried again on the
   * next run.
   */
  private void preferredPrimary(DesiredState desired) {
    String now = desired.primary().name();
    if (preferredHanded.filter(now::equals).isPresent()) {
      return;
    }
    try {
      ClusterControl control = ClusterControl.open(desired);
      ClusterRequests.PreferredChange change = preferredHanded.isEmpty() ? control.preferredPrimaryAtStart(desired)
          : control.preferredPrimaryChanged(desired, preferredHanded);
      if (change instanceof ClusterRequests.PreferredChange.Changed c) {
        LOG.info("failover: the file's preferred primary is now {} (generation {}): {}", now, c.config().generation(),
            c.request().isPresent() ? "a switchover to it is requested" : c.reason());
      }
      preferredHanded = Optional.of(now);
    } catch (IOException | EtcdException | RuntimeException e) {
      LOG.warn("failover: cannot hand the file's preferred primary {} to etcd ({}); tried again on the next run", now, e.toString());
    }
  }

  private void closeFailover(String why) {
    FailoverLoop loop = failover;
    if (loop != null) {
      failover = null;
      LOG.info("failover: stopping the failover loop: {}", why);
      loop.close();
    }
  }

  /** Quartz's job: one at a time, it calls back into the daemon. */
  @DisallowConcurrentExecution
  public static final class ReconcileJob implements Job {
    private final Daemon daemon;

    public ReconcileJob(Daemon daemon) {
      this.daemon = daemon;
    }

    @Override
    public void execute(JobExecutionContext ctx) {
      daemon.runOnce(ctx.getMergedJobDataMap().getString("why"));
    }
  }

  /**
   * Runs until SIGTERM; returns the exit code: 4 when another reconciler holds the lock of the data
   * directory at start or the scheduler cannot start.
   */
  public int run() throws InterruptedException {
    // first: a SIGHUP from `apply` that arrives once the lock below names this PID must never hit
    // the JVM's default action (exit); before the scheduler runs, the start run answers it
    Signals.onHangup(() -> push("SIGHUP"));
    Optional<RunOrchestration.LockRefusal> refused = orchestration.lockAtStart();
    if (refused.isPresent()) {
      LOG.error("refusing to start: {}", refused.get().message());
      return 4;
    }
    try {
      startScheduler();
    } catch (SchedulerException e) {
      LOG.error("cannot start the scheduler: {}", e.toString());
      return 4;
    }
    try {
      watcher = DesiredStateWatcher.start(options.config(), this::push);
    } catch (IOException e) {
      LOG.warn("cannot watch {} for changes ({}); runs only on schedule and on SIGHUP", options.config(), e.toString());
    }
    postmasterWatch.start();
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "pgconverge-stop"));
    LOG.info("daemon started: pid={} desired_state={} status_file={} metrics_file={}", ProcessHandle.current().pid(),
        options.config(), options.statusFile(), options.metricsFile());
    stopped.await();
    return 0;
  }

  private void startScheduler() throws SchedulerException {
    scheduler = newScheduler();
    ReconcileJob job = new ReconcileJob(this);
    scheduler.setJobFactory((bundle, s) -> job);
    scheduler.addJob(jobDetail(), false);
    schedule(NEXT, clock.instant(), "start");
    scheduler.start();
  }

  /** Every daemon's scheduler, not started: Quartz with a RAM job store and one worker thread. */
  private static Scheduler newScheduler() throws SchedulerException {
    Properties p = new Properties();
    p.setProperty("org.quartz.scheduler.instanceName", "pgconverge");
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    p.setProperty("org.quartz.scheduler.jmx.export", "false");
    p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
    p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
    p.setProperty("org.quartz.threadPool.threadCount", "1");
    p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
    p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    p.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
    return new StdSchedulerFactory(p).getScheduler();
  }

  private static JobDetail jobDetail() {
    return JobBuilder.newJob(ReconcileJob.class).withIdentity(JOB).storeDurably().build();
  }

  private static Trigger trigger(TriggerKey key, Instant at, String why) {
    return TriggerBuilder.newTrigger().withIdentity(key).forJob(JOB).usingJobData("why", why)
        .startAt(Date.from(at))
        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
        .build();
  }

  /**
   * For {@code pgconverge cds-train} only: what every daemon start does before its first run,
   * without a daemon (no lock, no run, no server), so that the class-data archive holds those
   * classes too (Quartz's, the JDK's bean introspection it sets its properties with, the file
   * watch's): the scheduler built as above, started, one job fired by the same kind of trigger and
   * rescheduled once, then shut down; a postmaster watch made and closed; a watch on {@code file}'s
   * directory started and closed; a next run computed. Returns whether the job ran within 5 s.
   */
  public static boolean exerciseStartPaths(Path file) throws IOException, SchedulerException, InterruptedException {
    CountDownLatch fired = new CountDownLatch(1);
    Scheduler s = newScheduler();
    try {
      s.setJobFactory((bundle, sched) -> ctx -> {
        ctx.getMergedJobDataMap().getString("why");
        fired.countDown();
      });
      s.addJob(jobDetail(), false);
      schedule(s, NEXT, Instant.now().plusSeconds(3600), "start");
      s.start();
      schedule(s, NEXT, Instant.now(), "cds-train");
      boolean ran = fired.await(5, TimeUnit.SECONDS);
      new PostmasterWatch(why -> { }).close();
      try (DesiredStateWatcher w = DesiredStateWatcher.start(file, why -> { })) {
        NextRun.after(Instant.now(), Schedule.DEFAULT, 1, true, 0.5, TimeZone.getDefault());
      }
      return ran;
    } finally {
      s.shutdown(true);
    }
  }

  /** Fires a run as soon as the current one (if any) is over, and a failover tick at once. */
  void push(String why) {
    FailoverLoop loop = failover;
    if (loop != null && !stopping) {
      loop.wake();
    }
    pushRun(why);
  }

  /** Fires a run as soon as the current one (if any) is over (the failover loop's own pushes). */
  private void pushRun(String why) {
    if (stopping || scheduler == null) {
      return;
    }
    LOG.info("{}: running now", why);
    try {
      schedule(PUSH, clock.instant(), why);
    } catch (SchedulerException e) {
      LOG.warn("cannot start a run for {}: {}", why, e.toString());
    }
  }

  private void schedule(TriggerKey key, Instant at, String why) throws SchedulerException {
    schedule(scheduler, key, at, why);
  }

  /** Sets trigger {@code key} of the one job to fire at {@code at}, replacing its earlier time if it had one. */
  private static void schedule(Scheduler s, TriggerKey key, Instant at, String why) throws SchedulerException {
    Trigger t = trigger(key, at, why);
    if (s.rescheduleJob(key, t) == null) {
      s.scheduleJob(t);
    }
  }

  /** One run: re-read the file, enforce the last valid state, write status, schedule the next run. */
  void runOnce(String why) {
    if (stopping) {
      return;
    }
    running.lock();
    try {
      if (stopping) {
        return;
      }
      RunOrchestration.Result result;
      try {
        result = orchestration.next(why);
      } catch (RuntimeException e) {
        LOG.error("run failed with an unexpected error: {}", e.toString(), e);
        scheduleNext(true, false, e.toString());
        return;
      }
      scheduleNext(result.failed(), result.waitingOnPeer(), result.cause());
    } finally {
      MDC.remove("run");
      MDC.remove("host");
      MDC.remove("cluster");
      running.unlock();
    }
  }

  private void scheduleNext(boolean failed, boolean waitingOnPeer, String cause) {
    if (stopping) {
      return;
    }
    failures = failed ? failures + 1 : 0;
    Schedule schedule = orchestration.lastValid().map(DesiredState::schedule).orElse(Schedule.DEFAULT);
    Instant now = clock.instant();
    Instant next = NextRun.after(now, schedule, failures, waitingOnPeer, ThreadLocalRandom.current().nextDouble(), zone);
    if (failed && waitingOnPeer) {
      if (failures == 1 || failures % 20 == 0) {
        LOG.info("waiting for another host (attempt {}): {}; asking again every {} ms", failures, cause,
            Duration.between(now, next).toMillis());
      }
    } else if (failed) {
      LOG.warn("run failed (attempt {}): {}; retrying in {} ms", failures, cause.isEmpty() ? "see above" : cause,
          Duration.between(now, next).toMillis());
    }
    try {
      schedule(NEXT, next, failed ? "retry " + failures : "scheduled");
    } catch (SchedulerException e) {
      LOG.error("cannot schedule the next run: {}", e.toString());
    }
  }

  /**
   * The shutdown hook: stop starting things, kill initdb/pg_basebackup, wait for the run, clean up.
   * Under failover.mode file it never stops the server; under etcd the failover loop stops last
   * (the leader's server is stopped and the key let go, unless paused).
   */
  void stop() {
    stopping = true;
    LOG.info(failover == null ? "stopping: no new action starts; the PostgreSQL server keeps running"
        : "stopping: no new action starts; failover.mode etcd: the leader stops its server and lets the leader key go");
    postmasterWatch.close();
    int killed = commands.cancelAll();
    if (killed > 0) {
      LOG.info("stopped {} running command(s) (initdb or pg_basebackup)", killed);
    }
    try {
      if (running.tryLock(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        running.unlock();
      } else {
        LOG.warn("the current run did not end within {} s; exiting anyway", STOP_WAIT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    commands.cancelAll();
    FailoverLoop loop = failover;
    if (loop != null) {
      failover = null;
      if (loop.stopDaemon()) {
        LOG.info("failover: the server is stopped and the leader key released");
      }
    }
    try {
      if (scheduler != null) {
        scheduler.shutdown(false);
      }
    } catch (SchedulerException e) {
      LOG.debug("scheduler shutdown: {}", e.toString());
    }
    try {
      if (watcher != null) {
        watcher.close();
      }
    } catch (IOException e) {
      LOG.debug("watch close: {}", e.toString());
    }
    orchestration.lastValid().map(d -> d.postgres().data()).ifPresent(data -> {
      try {
        if (Staging.removeLeftover(commands, data)) {
          LOG.info("removed the staging directory {}", Staging.beside(data));
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot remove the staging directory {}: {}", Staging.beside(data), e.toString());
      }
    });
    try {
      orchestration.close();
    } catch (IOException e) {
      LOG.debug("lock release: {}", e.toString());
    }
    LOG.info("daemon stopped");
    stopped.countDown();
  }
}
