package io.pgconverge.cli;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateLoader;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.failover.control.ClusterControl;
import io.pgconverge.failover.control.ClusterControl.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The operator's commands under {@code failover.mode: etcd}: {@code pause}, {@code resume},
 * {@code switchover}, {@code failover}. Each reads the desired-state file only for its etcd
 * settings and its peers (a file without {@code self} is fine: it is checked as every peer, as
 * {@code validate} does, so these run on any machine that reaches etcd), asks {@link
 * ClusterControl}, prints one line (stdout when done, stderr when refused) and exits 0 (done), 1
 * (invalid desired state or command line) or 4 (refused, etcd unavailable, or not carried out
 * in time). They talk to etcd only, never to PostgreSQL, and do not re-execute as postgres.user.
 */
final class ClusterCommands {
  private ClusterCommands() {}

  /** Loads the desired state, refuses mode file, opens the control and runs the command. */
  abstract static class EtcdCommand implements Callable<Integer> {
    @CommandLine.Mixin Main.HostOptions opts = new Main.HostOptions();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    abstract Outcome run(ClusterControl control, DesiredState desired, Consumer<String> progress);

    @Override
    public Integer call() {
      if (!List.of("text", "json").contains(opts.logFormat)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--log-format must be text or json, got " + opts.logFormat);
      }
      LogSetup.configure(opts.logFormat);
      LoadResult loaded = DesiredStateLoader.validate(opts.config.toAbsolutePath(), Optional.empty(), Hostname.get());
      if (loaded instanceof LoadResult.Invalid invalid) {
        invalid.problems().forEach(p -> System.err.println(p));
        System.err.println(spec.name() + ": the desired state is invalid (" + invalid.problems().size() + " problem(s)); nothing done");
        return 1;
      }
      DesiredState desired = ((LoadResult.Valid) loaded).state();
      if (!desired.failover().etcdMode()) {
        System.err.println(spec.name() + " refused: " + opts.config + " has failover.mode: file: who is primary is what the file says;"
            + " change the peers' roles and push the file (see \"Switchover and failover\")");
        return ClusterControl.REFUSED;
      }
      ClusterControl control;
      try {
        control = ClusterControl.open(desired);
      } catch (IOException | RuntimeException e) {
        System.err.println(spec.name() + " failed: cannot set up the etcd client: " + e.getMessage());
        return ClusterControl.REFUSED;
      }
      Outcome o = run(control, desired, line -> System.out.println(line));
      (o.exitCode() == ClusterControl.DONE ? System.out : System.err).println(o.message());
      return o.exitCode();
    }
  }

  /** The candidate of a switchover or failover, and how long the command waits for it to hold the leader key. */
  static class RequestOptions {
    @Option(names = "--to", paramLabel = "NODE", required = true, description = "the member to become primary")
    String to;

    @Option(names = "--no-wait", description = "return once the request is written, without waiting for the candidate to take over")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "SECONDS",
        description = "how long to wait for the candidate to hold the leader key (default: 60); a request not carried out by then is withdrawn")
    int timeoutSeconds = 60;

    Optional<Duration> waitFor() {
      return noWait ? Optional.empty() : Optional.of(Duration.ofSeconds(Math.max(1, timeoutSeconds)));
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = {"Put the cluster in maintenance (failover.mode etcd): nothing is promoted or demoted; the leader only renews its key.",
          "Writes the pause key with who paused and when; a second pause writes nothing."})
  static final class Pause extends EtcdCommand {
    @Override
    Outcome run(ClusterControl control, DesiredState desired, Consumer<String> progress) {
      return control.pause(System.getProperty("user.name") + "@" + Hostname.get(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "End the maintenance a pause started (failover.mode etcd): delete the pause key; not paused is fine.")
  static final class Resume extends EtcdCommand {
    @Override
    Outcome run(ClusterControl control, DesiredState desired, Consumer<String> progress) {
      return control.resume();
    }
  }

  @Command(name = "switchover", mixinStandardHelpOptions = true,
      description = {"Hand the primary role to another member (failover.mode etcd): the leader stops cleanly and NODE takes the key.",
          "Refused while paused, without a leader (use failover), or for a NODE that is the leader, not a peer, has"
              + " failover_priority 0 or no member key. Waits until NODE holds the leader key."})
  static final class Switchover extends EtcdCommand {
    @Option(names = "--from", paramLabel = "NODE", description = "refuse unless NODE is the leader now")
    String from;

    @CommandLine.Mixin RequestOptions request = new RequestOptions();

    @Override
    Outcome run(ClusterControl control, DesiredState desired, Consumer<String> progress) {
      return control.requestSwitchover(request.to, Optional.ofNullable(from), request.waitFor(), progress);
    }
  }

  @Command(name = "failover", mixinStandardHelpOptions = true,
      description = {"Make NODE primary in a cluster whose leader key nobody holds (failover.mode etcd).",
          "Refused while a member holds the leader key (use switchover), while paused, and under replication.synchronous"
              + " for a NODE the sync key does not list, unless --allow-data-loss. Waits until NODE holds the leader key."})
  static final class Failover extends EtcdCommand {
    @Option(names = "--allow-data-loss", description = "promote NODE although it is not a synchronous standby (it may lack acknowledged commits)")
    boolean allowDataLoss;

    @CommandLine.Mixin RequestOptions request = new RequestOptions();

    @Override
    Outcome run(ClusterControl control, DesiredState desired, Consumer<String> progress) {
      return control.requestFailover(request.to, allowDataLoss, request.waitFor(), progress);
    }
  }
}
