package io.pgconverge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.loop.RunLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * {@code apply} beside a running daemon: instead of refusing because the daemon holds the lock of
 * the data directory, ask that daemon to run now and report the result of that very run.
 *
 * <ol>
 *   <li>The PID in the lock file must be a pgconverge daemon ({@code /proc/PID/cmdline} holds
 *       {@code daemon}) that has this data directory's lock file open ({@code /proc/PID/fd}), so a
 *       reused PID or a one-shot {@code apply} holding the lock is never signalled; its
 *       {@code --config} must be the file this apply was given (else its run would not enforce it).
 *   <li>Note the time, send SIGHUP. The daemon starts a run after the current one (if any).
 *   <li>Poll the daemon's status file (its own {@code --status-file}) until a run whose {@code
 *       started_at} is not before that time has finished: such a run read the desired-state file
 *       after this apply was started. Bounded by {@code --timeout}.
 *   <li>Log that run's drift, failures and pending restarts, and return its exit code.
 * </ol>
 */
final class DaemonRun {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration POLL = Duration.ofMillis(100);

  private DaemonRun() {}

  /** A process that holds the lock, as /proc shows it. */
  record Holder(long pid, List<String> argv, Path cwd) {
    boolean isDaemon() {
      return argv.contains("daemon") && argv.stream().anyMatch(a -> a.contains("pgconverge"));
    }

    /** The value of {@code --name} in its argv ({@code --name V} or {@code --name=V}), resolved against its working directory. */
    Optional<Path> option(String name) {
      for (int i = 0; i < argv.size(); i++) {
        String a = argv.get(i);
        if (a.equals(name) && i + 1 < argv.size()) {
          return Optional.of(cwd.resolve(argv.get(i + 1)).normalize());
        }
        if (a.startsWith(name + "=")) {
          return Optional.of(cwd.resolve(a.substring(name.length() + 1)).normalize());
        }
      }
      return Optional.empty();
    }
  }

  /** Reads {@code /proc/PID}; empty when the process is gone or not ours to read. Has no side effects. */
  static Optional<Holder> holder(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
      List<String> argv = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
      Path cwd = Files.readSymbolicLink(proc.resolve("cwd"));
      return Optional.of(new Holder(pid, argv, cwd));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  /** True when process {@code pid} has {@code file} open; has no side effects. */
  static boolean holdsOpen(long pid, Path file) {
    Path target = file.toAbsolutePath().normalize();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.anyMatch(fd -> {
        try {
          return Files.readSymbolicLink(fd).equals(target);
        } catch (IOException e) {
          return false;
        }
      });
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Asks the daemon that holds {@code data}'s lock to run now and waits for that run's result.
   * Sends SIGHUP to it; changes nothing else. Returns the run's exit code, or 4 when the holder is
   * not a daemon for this desired state, or no result arrived within {@code timeout}.
   */
  static int request(RunLock.HeldException held, Path data, Path config, Duration timeout, Logger log) throws InterruptedException {
    Path lockFile = RunLock.fileFor(data);
    if (!held.holder().matches("[0-9]+")) {
      log.error("apply refused: {} (its PID cannot be read, so it cannot be asked to run)", held.getMessage());
      return 4;
    }
    long pid = Long.parseLong(held.holder());
    Optional<Holder> h = holder(pid).filter(x -> holdsOpen(pid, lockFile));
    if (h.isEmpty() || !h.get().isDaemon()) {
      log.error("apply refused: {}{}", held.getMessage(), h.isEmpty() ? "" : "; it is not a pgconverge daemon, so it is not asked to run");
      return 4;
    }
    Path theirs = h.get().option("--config").orElse(Path.of(Main.DEFAULT_CONFIG));
    Path ours = config.toAbsolutePath().normalize();
    if (!theirs.equals(ours)) {
      log.error("apply refused: the pgconverge daemon (PID {}) that holds this data directory enforces {}, not {}", pid, theirs, ours);
      return 4;
    }
    Path statusFile = h.get().option("--status-file").orElse(Path.of(Main.DEFAULT_STATUS_FILE));
    Instant asked = Instant.now();
    if (!hangup(pid)) {
      log.error("apply refused: cannot signal the pgconverge daemon (PID {})", pid);
      return 4;
    }
    log.info("asked the pgconverge daemon (PID {}) to run now; waiting up to {} s for its result in {}", pid,
        timeout.toSeconds(), statusFile);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<JsonNode> status = runStartedSince(statusFile, asked);
      if (status.isPresent()) {
        return report(status.get(), pid, log);
      }
      TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
    }
    log.error("apply failed: the pgconverge daemon (PID {}) reported no run started after {} within {} s (status file {});"
        + " see journalctl -u pgconverge", pid, asked, timeout.toSeconds(), statusFile);
    return 4;
  }

  private static boolean hangup(long pid) throws InterruptedException {
    try {
      Process p = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** The status file when it describes a run that started at or after {@code since}; has no side effects. */
  static Optional<JsonNode> runStartedSince(Path statusFile, Instant since) {
    try {
      JsonNode s = JSON.readTree(statusFile.toFile());
      String started = s.path("started_at").asText("");
      return !started.isEmpty() && !Instant.parse(started).isBefore(since) ? Optional.of(s) : Optional.empty();
    } catch (IOException | DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Logs the lines of the daemon's run from its status file and returns its exit code. */
  static int report(JsonNode s, long pid, Logger log) {
    for (String p : strings(s.path("desired_state").path("problems"))) {
      log.warn("invalid desired state: {}", p);
    }
    for (JsonNode d : s.path("drift")) {
      log.info("drift {} {}: desired {}, actual {}; action: {}", d.path("kind").asText(), d.path("subject").asText(),
          d.path("desired").asText(), d.path("actual").asText(), d.path("remedy").asText());
    }
    for (String f : strings(s.path("failures"))) {
      log.warn(f.startsWith("refused ") ? f : "failed: " + f);
    }
    List<String> pending = strings(s.path("pending_restart"));
    if (!pending.isEmpty()) {
      log.warn("pending restart: {} need a server restart to take effect", String.join(", ", pending));
    }
    int exit = s.path("exit_code").asInt(4);
    String line = "apply run=" + s.path("run_id").asText() + " result=" + s.path("result").asText() + " drift="
        + s.path("drift").size() + " failed=" + s.path("failures").size() + " pending_restart=" + pending.size()
        + " run_by=daemon pid=" + pid;
    if (exit >= 4 || exit == 1) {
      log.warn(line);
    } else {
      log.info(line);
    }
    return exit;
  }

  private static List<String> strings(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }
}
