package io.pgconverge.cli;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateLoader;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.desired.Problem;
import io.pgconverge.loop.RunOrchestration;
import io.pgconverge.loop.StatusFiles;
import io.pgconverge.report.HostStatus;
import io.pgconverge.report.StatusJson;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pgconverge status}: this host as one observation and plan shows it ({@link
 * RunOrchestration#look}), beside the last run from the daemon's status file. While the file on
 * disk is invalid it shows the host with the last valid copy kept beside the status file, and the
 * new file's problems.
 */
@Command(name = "status", description = "Show this host's role, recovery, timeline, replication and lag, and the last run.", mixinStandardHelpOptions = true)
final class StatusCommand extends Main.HostCommand {
  @Option(names = "--json", description = "print one JSON object instead of a table")
  boolean json;

  @Option(names = "--status-file", paramLabel = "FILE", description = "the daemon's status file (default: /run/pgconverge/status.json)")
  Path statusFile = Path.of("/run/pgconverge/status.json");

  @Option(names = "--cluster", description = "one row per peer, each asked directly over the network (see ClusterStatusCommand)")
  boolean cluster;

  /** While the file on disk is invalid: the copy of the last valid state the daemon keeps beside its status file. */
  @Override
  Optional<DesiredState> fallback() {
    Path copy = StatusFiles.lastValidCopy(statusFile);
    return java.nio.file.Files.isReadable(copy) && DesiredStateLoader.load(copy, Hostname.get()) instanceof LoadResult.Valid v
        ? Optional.of(v.state()) : Optional.empty();
  }

  /** The file is invalid and no valid copy is kept: its problems and the last run, side by side. */
  @Override
  int invalidWithoutFallback(LoadResult.Invalid invalid) throws Exception {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("desired_state", desiredState(invalid.problems(), null));
    m.put("last_run", lastRun(LoggerFactory.getLogger("pgconverge")));
    if (json) {
      System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m));
    } else {
      System.out.print(desiredStateLines(invalid.problems(), null));
      System.out.print(lastRunLine((com.fasterxml.jackson.databind.JsonNode) m.get("last_run")));
    }
    return 1;
  }

  private Map<String, Object> desiredState(List<Problem> problems, Path enforcing) {
    Map<String, Object> d = new java.util.LinkedHashMap<>();
    d.put("file", opts.config.toString());
    d.put("valid", problems.isEmpty());
    d.put("problems", problems.stream().map(Object::toString).toList());
    d.put("enforcing", enforcing == null ? null : enforcing.toString());
    return d;
  }

  private String desiredStateLines(List<Problem> problems, Path enforcing) {
    if (problems.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(String.format("%-10s %s is INVALID (%d problem(s)); %s%n", "desired", opts.config,
        problems.size(), enforcing == null ? "no valid copy is kept (" + StatusFiles.lastValidCopy(statusFile)
            + "): the daemon enforces nothing new until it is fixed"
            : "shown with the last valid state, which the daemon keeps enforcing (" + enforcing + ")"));
    problems.forEach(p -> sb.append(String.format("%-10s %s%n", "", p)));
    return sb.toString();
  }

  private com.fasterxml.jackson.databind.JsonNode lastRun(Logger log) {
    if (java.nio.file.Files.isReadable(statusFile)) {
      try {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(statusFile.toFile());
      } catch (java.io.IOException e) {
        log.warn("cannot read the status file {}: {}", statusFile, e.getMessage());
      }
    }
    return null;
  }

  private String lastRunLine(com.fasterxml.jackson.databind.JsonNode lastRun) {
    return String.format("%-10s %s%n", "last run", lastRun == null ? "unknown (no status file at " + statusFile + ")"
        : lastRun.path("result").asText("?") + " at " + lastRun.path("finished_at").asText(lastRun.path("last_run").asText("?")));
  }

  @Override
  int runAsUser(DesiredState desired, Logger log) throws Exception {
    if (cluster) {
      return ClusterStatusCommand.run(desired, json, System.out, statusFile);
    }
    HostStatus status = RunOrchestration.command(RunOrchestration.Mode.CHECK, opts.config.toAbsolutePath(), Hostname.get(), cache,
        null, null).look(desired);
    com.fasterxml.jackson.databind.JsonNode lastRun = lastRun(log);
    Path enforcing = invalidProblems.isEmpty() ? opts.config : desired.source();
    if (json) {
      Map<String, Object> m = StatusJson.of(status, lastRun);
      m.put("desired_state", desiredState(invalidProblems, enforcing));
      System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m));
    } else {
      System.out.print(desiredStateLines(invalidProblems, enforcing));
      System.out.print(status.table());
      System.out.print(lastRunLine(lastRun));
    }
    if (!invalidProblems.isEmpty()) {
      return 1;
    }
    return status.server().equals("running") ? 0 : 4;
  }
}
