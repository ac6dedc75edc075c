package io.pgconverge.cli;

import io.pgconverge.daemon.Daemon;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateCache;
import io.pgconverge.desired.DesiredStateLoader;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.desired.Problem;
import io.pgconverge.loop.RunOrchestration;
import io.pgconverge.loop.StatusFiles;
import io.pgconverge.plan.Action;
import io.pgconverge.report.RunReport;
import io.pgconverge.report.UnifiedDiff;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The command line. Thin: it loads the desired state, hands the run to {@link RunOrchestration}
 * and says where its output goes (stdout, the status files); it maps the result to an exit code.
 */
@Command(
    name = "pgconverge",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Keeps this PostgreSQL host where its desired-state file says it should be.",
    subcommands = {Main.Apply.class, Main.Check.class, Main.Validate.class, StatusCommand.class, Demo.class, Main.DaemonCommand.class, Main.CdsTrain.class,
        ClusterCommands.Pause.class, ClusterCommands.Resume.class, ClusterCommands.Switchover.class, ClusterCommands.Failover.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:nothing needed changing (check: in sync; validate: valid)",
      "1:the desired state is invalid (also: the server rejects its postgresql.conf) or the command line is wrong; nothing touched",
      "2:changes applied (check: drift found)",
      "4:something failed (check: could not observe)",
      "6:changes applied and something failed",
      "daemon: runs until SIGTERM; 4: another reconciler holds the data directory's lock",
      "apply beside a running daemon: the exit code of the daemon's run it asked for; 4 when it could not ask or no result came",
      "status: 0 running, 1 the file on disk is invalid (the host is still shown), 4 not running",
      "status --cluster: 0 every peer answered and is healthy, 2 something is unhealthy, 4 the peers could not be asked",
      "pause, resume, switchover, failover: 0 done, 1 invalid desired state or command line, 4 refused (also failover.mode file),"
          + " etcd unavailable, or not carried out within --timeout"
    })
public final class Main {
  static final String DEFAULT_CONFIG = "/etc/pgconverge/desired-state.yaml";
  static final String DEFAULT_STATUS_FILE = "/run/pgconverge/status.json";
  static final String DEFAULT_METRICS_FILE = "/run/pgconverge/metrics.prom";

  public static void main(String[] args) throws Exception {
    java.util.OptionalInt asUser = RunAs.beforeStart(args); // root: hand over to postgres.user first (cli/RunAs)
    if (asUser.isPresent()) {
      System.exit(asUser.getAsInt());
    }
    RunAs.checkLauncherSwitch(args);
    Optional<Callable<Integer>> quick = quick(args).<Callable<Integer>>map(c -> c).or(() -> quickDaemon(args).map(d -> d));
    System.exit(quick.isPresent() ? runQuick(quick.get()) : commandLine().execute(args));
  }

  /**
   * {@code check} and {@code apply} with only their own options, each given once, in the forms
   * picocli reads ({@code --config FILE}, {@code --config=FILE}): the command object filled in here,
   * without building picocli's model. That model costs a one-shot run more than any other phase of
   * its start: about 190 of picocli's classes, which the class-data archive cannot hold (class file
   * version 49), are loaded and verified at each start, then reflection over every command. Empty
   * for anything else (help, version, an unknown, repeated or malformed option, an {@code @file},
   * an invalid {@code --log-format}): picocli parses it as before, with its messages and exit codes.
   */
  static Optional<ReconcileCommand> quick(String[] args) {
    if (args.length == 0 || !(args[0].equals("check") || args[0].equals("apply"))) {
      return Optional.empty();
    }
    boolean isCheck = args[0].equals("check");
    Optional<Map<String, String>> options = isCheck
        ? quickOptions(args, Set.of("--config", "--log-format"), Set.of("--diff", "--json"))
        : quickOptions(args, Set.of("--config", "--log-format", "--status-file", "--metrics-file", "--timeout"), Set.of());
    if (options.isEmpty()) {
      return Optional.empty();
    }
    Map<String, String> o = options.get();
    ReconcileCommand cmd;
    if (isCheck) {
      Check check = new Check();
      check.diff = o.containsKey("--diff");
      check.json = o.containsKey("--json");
      cmd = check;
    } else {
      Apply apply = new Apply();
      String timeout = o.get("--timeout");
      if (timeout != null && !timeout.matches("[0-9]{1,9}")) {
        return Optional.empty();
      }
      if (timeout != null) {
        apply.timeoutSeconds = Integer.parseInt(timeout);
      }
      if (!quickStatus(apply.status, o)) {
        return Optional.empty();
      }
      cmd = apply;
    }
    if (!quickHost(cmd.opts, o)) {
      return Optional.empty();
    }
    cmd.name = args[0];
    cmd.originalArgs = args.clone();
    return Optional.of(cmd);
  }

  /**
   * {@code daemon} with only its own options, as {@link #quick} reads check's and apply's: its start
   * (a formation's first step, every restart) then loads none of picocli either. Empty for anything
   * else, which picocli parses.
   */
  static Optional<DaemonCommand> quickDaemon(String[] args) {
    if (args.length == 0 || !args[0].equals("daemon")) {
      return Optional.empty();
    }
    Optional<Map<String, String>> o = quickOptions(args, Set.of("--config", "--log-format", "--status-file", "--metrics-file"),
        Set.of());
    DaemonCommand d = new DaemonCommand();
    if (o.isEmpty() || !quickHost(d.opts, o.get()) || !quickStatus(d.status, o.get())) {
      return Optional.empty();
    }
    d.originalArgs = args.clone();
    return Optional.of(d);
  }

  /**
   * The options of {@code args[1..]} as picocli reads them for a command whose options with a value
   * are {@code valued} and whose flags are {@code flags}: each name to its value (a flag to ""),
   * each given once, as {@code --name value} or {@code --name=value}. Empty for anything else: an
   * unknown or repeated name, a flag with a value, a missing value, an {@code @file}.
   */
  private static Optional<Map<String, String>> quickOptions(String[] args, Set<String> valued, Set<String> flags) {
    Map<String, String> options = new java.util.HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      int eq = a.indexOf('=');
      String name = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
      String value = name.equals(a) ? null : a.substring(eq + 1);
      if (a.startsWith("@") || options.containsKey(name) || !(valued.contains(name) || flags.contains(name))) {
        return Optional.empty();
      }
      if (flags.contains(name)) {
        if (value != null) {
          return Optional.empty();
        }
        options.put(name, "");
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length || args[i + 1].startsWith("-") || args[i + 1].startsWith("@")) {
          return Optional.empty();
        }
        value = args[++i];
      }
      options.put(name, value);
    }
    return Optional.of(options);
  }

  /** {@code --config} and {@code --log-format} into {@code opts}; false when a value is one picocli would refuse. */
  private static boolean quickHost(HostOptions opts, Map<String, String> o) {
    String format = o.getOrDefault("--log-format", opts.logFormat);
    if (!List.of("text", "json").contains(format)) {
      return false;
    }
    opts.logFormat = format;
    return quickPath(o, "--config", p -> opts.config = p);
  }

  /** {@code --status-file} and {@code --metrics-file} into {@code status}; false when a path does not parse. */
  private static boolean quickStatus(StatusOptions status, Map<String, String> o) {
    return quickPath(o, "--status-file", p -> status.statusFile = p) && quickPath(o, "--metrics-file", p -> status.metricsFile = p);
  }

  private static boolean quickPath(Map<String, String> o, String name, java.util.function.Consumer<Path> into) {
    if (!o.containsKey(name)) {
      return true;
    }
    try {
      into.accept(Path.of(o.get(name)));
      return true;
    } catch (java.nio.file.InvalidPathException e) {
      return false;
    }
  }

  /** Runs a command {@link #quick} parsed as picocli's execute would: an exception is printed and exits 1. */
  static int runQuick(Callable<Integer> cmd) {
    io.pgconverge.host.ConnectionPrewarm.start();
    try {
      return cmd.call();
    } catch (Exception e) {
      e.printStackTrace();
      return 1;
    }
  }

  /** The command line as main runs it: a bad command line exits 1, with a suggestion when there is one. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr().println(ex.getMessage());
          // "Did you mean: apply?" for `aply`, `apply --confg`; the usage help when nothing is close.
          if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr())) {
            c.usage(c.getErr());
          }
          return 1;
        });
    return cl;
  }

  static final class Version implements CommandLine.IVersionProvider {
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"pgconverge " + (v == null ? "dev" : v)};
    }
  }

  /** Options shared by the commands that converge or check a host. */
  static class HostOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "desired-state file (default: " + DEFAULT_CONFIG + ")")
    Path config = Path.of(DEFAULT_CONFIG);

    @Option(names = "--log-format", paramLabel = "text|json", description = "log format on stderr (default: text)")
    String logFormat = "text";
  }

  /** Loads the desired state and re-executes as postgres.user when root, then does its work as that user. */
  abstract static class HostCommand implements Callable<Integer> {
    @CommandLine.Mixin HostOptions opts = new HostOptions();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** The command's name and command line when {@link Main#quick} parsed it (no picocli spec then). */
    String name;
    String[] originalArgs;

    String commandName() {
      return spec != null ? spec.name() : name;
    }

    String[] originalArgs() {
      return spec != null ? spec.commandLine().getParseResult().originalArgs().toArray(String[]::new) : originalArgs;
    }

    /** The command's one cache of the desired-state file: the run gets the text of the state it enforces from it. */
    final DesiredStateCache cache = new DesiredStateCache();

    /** The command's work, as postgres.user, with a valid desired state. */
    abstract int runAsUser(DesiredState desired, Logger log) throws Exception;

    /** The problems of the file on disk when the command goes on with {@link #fallback}'s state instead. */
    List<Problem> invalidProblems = List.of();

    /** A valid desired state to go on with while the file on disk is invalid; none by default (exit 1). */
    Optional<DesiredState> fallback() {
      return Optional.empty();
    }

    /** The file is invalid and there is no fallback: the problems were logged; returns the exit code (1). */
    int invalidWithoutFallback(LoadResult.Invalid invalid) throws Exception {
      return 1;
    }

    @Override
    public Integer call() throws Exception {
      if (!List.of("text", "json").contains(opts.logFormat)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--log-format must be text or json, got " + opts.logFormat);
      }
      LogSetup.configure(opts.logFormat);
      Logger log = LoggerFactory.getLogger("pgconverge");
      LoadResult loaded = cache.load(opts.config.toAbsolutePath(), Hostname.get());
      if (loaded instanceof LoadResult.Invalid invalid) {
        Optional<DesiredState> instead = fallback();
        if (instead.isPresent()) {
          invalidProblems = invalid.problems();
          loaded = new LoadResult.Valid(instead.get());
        } else {
          refuseInvalid(invalid.problems(), log);
          return invalidWithoutFallback(invalid);
        }
      }
      DesiredState desired = ((LoadResult.Valid) loaded).state();
      if (RunAs.isRoot()) {
        return RunAs.reexec(desired.postgres().user(), originalArgs());
      }
      return runAsUser(desired, log);
    }

    /** Logs each problem of an invalid desired state and the summary line; returns exit code 1. */
    int refuseInvalid(List<Problem> problems, Logger log) {
      for (Problem p : problems) {
        log.error("invalid desired state: {}", p);
      }
      log.error("{} result=invalid problems={} desired_state={}", commandName(), problems.size(), opts.config);
      return 1;
    }
  }

  /** Runs the loop once ({@link RunOrchestration#once}) and maps its result to an exit code. */
  abstract static class ReconcileCommand extends HostCommand {
    abstract RunOrchestration.Mode mode();

    void afterRun(RunReport report, PrintStream out) {}

    /** Another process holds the data directory's lock, or it cannot be taken: refuse (exit 4); apply asks the daemon instead. */
    int whenLockRefused(RunOrchestration.LockRefusal refusal, DesiredState desired, Logger log) throws InterruptedException {
      log.error("{} refused: {}", commandName(), refusal.message());
      return 4;
    }

    /** Where apply writes the status and metrics files; check writes none. */
    StatusFiles statusFiles() {
      return null;
    }

    @Override
    int runAsUser(DesiredState desired, Logger log) throws java.io.IOException, InterruptedException {
      RunOrchestration.Result run = RunOrchestration.command(mode(), opts.config.toAbsolutePath(), Hostname.get(), cache,
          statusFiles(), LogSetup.stderrIsTerminal() ? System.err : null).once(desired);
      if (!run.problems().isEmpty()) {
        return refuseInvalid(run.problems(), log); // refused whole: nothing of it is applied
      }
      if (run.lockRefusal().isPresent()) {
        return whenLockRefused(run.lockRefusal().get(), desired, log);
      }
      afterRun(run.report().get(), new PrintStream(System.out, true, StandardCharsets.UTF_8));
      return run.exitCode();
    }
  }

  /** Where the status and metrics files go. */
  static class StatusOptions {
    @Option(names = "--status-file", paramLabel = "PATH", description = "status file written after each run (default: " + DEFAULT_STATUS_FILE + ")")
    Path statusFile = Path.of(DEFAULT_STATUS_FILE);

    @Option(names = "--metrics-file", paramLabel = "PATH", description = "Prometheus text metrics written after each run (default: " + DEFAULT_METRICS_FILE + ")")
    Path metricsFile = Path.of(DEFAULT_METRICS_FILE);
  }

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = {"Converge this host once.",
          "Beside a running daemon (it holds the data directory's lock): ask it to run now (SIGHUP), wait for that"
              + " run's result in its status file, print its lines and exit with its exit code."})
  static final class Apply extends ReconcileCommand {
    @CommandLine.Mixin StatusOptions status = new StatusOptions();

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "beside a running daemon: how long to wait for its run (default: 60)")
    int timeoutSeconds = 60;

    @Override
    int whenLockRefused(RunOrchestration.LockRefusal refusal, DesiredState desired, Logger log) throws InterruptedException {
      if (refusal.held().isEmpty()) {
        return super.whenLockRefused(refusal, desired, log);
      }
      return DaemonRun.request(refusal.held().get(), desired.postgres().data(), opts.config,
          java.time.Duration.ofSeconds(Math.max(1, timeoutSeconds)), log);
    }

    RunOrchestration.Mode mode() {
      return RunOrchestration.Mode.APPLY;
    }

    @Override
    StatusFiles statusFiles() {
      return new StatusFiles(status.statusFile, status.metricsFile, false);
    }
  }

  @Command(
      name = "daemon",
      description = "Keep converging: at start, on schedule, on a new desired-state file and on SIGHUP, until SIGTERM.",
      mixinStandardHelpOptions = true)
  static final class DaemonCommand implements Callable<Integer> {
    @CommandLine.Mixin HostOptions opts = new HostOptions();

    @CommandLine.Mixin StatusOptions status = new StatusOptions();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** The command line when {@link Main#quickDaemon} parsed it (no picocli spec then). */
    String[] originalArgs;

    @Override
    public Integer call() throws Exception {
      if (!List.of("text", "json").contains(opts.logFormat)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--log-format must be text or json, got " + opts.logFormat);
      }
      LogSetup.configure(opts.logFormat);
      Path config = opts.config.toAbsolutePath();
      if (RunAs.isRoot()) {
        LoadResult loaded = DesiredStateLoader.load(config, Hostname.get());
        String user = loaded instanceof LoadResult.Valid v ? v.state().postgres().user() : "postgres";
        return RunAs.reexec(user, spec != null ? spec.commandLine().getParseResult().originalArgs().toArray(String[]::new)
            : originalArgs);
      }
      return new Daemon(new Daemon.Options(config, status.statusFile, status.metricsFile, Hostname.get())).run();
    }
  }

  @Command(name = "check", description = "Observe and plan, change nothing; exit 2 when the host drifted.", mixinStandardHelpOptions = true)
  static final class Check extends ReconcileCommand {
    @Option(names = "--diff", description = "print unified diffs of the files apply would rewrite")
    boolean diff;

    @Option(names = "--json", description = "print the plan (drift, actions, refusals, pending restarts) as one JSON document")
    boolean json;

    RunOrchestration.Mode mode() {
      return RunOrchestration.Mode.CHECK;
    }

    @Override
    void afterRun(RunReport report, PrintStream out) {
      if (json) {
        out.print(io.pgconverge.report.PlanJson.render(report));
        out.flush();
      }
      if (!diff) {
        return;
      }
      for (Action.WriteFile w : report.fileWrites()) {
        String before = w.previous().map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
        out.print(UnifiedDiff.of(w.path().toString(), before, w.content()));
      }
      out.flush();
    }
  }

  @Command(name = "cds-train", hidden = true,
      description = "Run the start-up paths once, touching no server, for a class-data archive (-XX:ArchiveClassesAtExit).")
  static final class CdsTrain implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      return CdsTraining.run();
    }
  }

  @Command(name = "validate", description = "Validate desired-state files; one file:line:column: field: message line per problem.", mixinStandardHelpOptions = true)
  static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "1..*", description = "desired-state files")
    List<Path> files;

    @Option(names = "--self", paramLabel = "NAME",
        description = "check as the host that is peer NAME; default: a file without self is checked as each of its peers")
    String self;

    @Override
    public Integer call() {
      int rc = 0;
      for (Path f : files) {
        LoadResult r = DesiredStateLoader.validate(f, Optional.ofNullable(self), Hostname.get());
        if (r instanceof LoadResult.Invalid invalid) {
          invalid.problems().forEach(p -> System.out.println(p));
          rc = 1;
        } else {
          System.out.println("valid " + f);
        }
      }
      return rc;
    }
  }
}
