package io.pgconverge.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code java -jar pgconverge.jar daemon} running for a test host, as a subprocess (as root it
 * re-executes itself as postgres through runuser). Its stdout and stderr go to {@code
 * daemon.log} in the host directory (a file, not a pipe: a server it starts may inherit them),
 * its status and metrics files to {@code run/} there. {@link #close()} kills the whole process
 * tree if it still runs; the PostgreSQL server is not in that tree (pg_ctl detaches it).
 */
public final class DaemonProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestHost host;
  private final Process process;
  private final Path log;

  private DaemonProcess(TestHost host, Process process, Path log) {
    this.host = host;
    this.process = process;
    this.log = log;
  }

  /** Starts the daemon on the host's desired-state file with {@code extraArgs} added. */
  public static DaemonProcess start(TestHost host, String... extraArgs) {
    return startLogging(host, "daemon.log", extraArgs);
  }

  /** Starts a daemon whose output goes to {@code logName} in the host directory. */
  public static DaemonProcess startLogging(TestHost host, String logName, String... extraArgs) {
    return startLogging(host, logName, Map.of(), extraArgs);
  }

  /** Starts a daemon with {@code env} added to its environment (a test-only crash point). */
  public static DaemonProcess startLogging(TestHost host, String logName, Map<String, String> env, String... extraArgs) {
    List<String> cmd = new ArrayList<>(ProductJvm.command(List.of()));
    cmd.addAll(List.of("daemon",
        "--config", host.desiredStateFile().toString(),
        "--status-file", statusFile(host).toString(),
        "--metrics-file", metricsFile(host).toString()));
    cmd.addAll(List.of(extraArgs));
    Path log = host.dir().resolve(logName);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    pb.environment().putAll(env);
    try {
      return new DaemonProcess(host, pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the daemon", e);
    }
  }

  public static Path statusFile(TestHost host) {
    return host.dir().resolve("run").resolve("status.json");
  }

  public static Path metricsFile(TestHost host) {
    return host.dir().resolve("run").resolve("metrics.prom");
  }

  public Process process() {
    return process;
  }

  /** Everything the daemon logged so far. */
  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until a line of the log matches; fails with the log when {@code timeout} passes. */
  public String awaitLogLine(Predicate<String> line, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<String> hit = log().lines().filter(line).findFirst();
      if (hit.isPresent()) {
        return hit.get();
      }
      assertAlive();
      Psql.sleep(50);
    }
    throw new AssertionError("no matching log line within " + timeout.toSeconds() + " s; log:\n" + log());
  }

  /** The status file, parsed; empty when it does not exist (yet). */
  public Optional<JsonNode> status() {
    Path f = statusFile(host);
    try {
      return Files.exists(f) ? Optional.of(JSON.readTree(f.toFile())) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the status file satisfies {@code condition}; returns it. */
  public JsonNode awaitStatus(Predicate<JsonNode> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<JsonNode> s = status();
      if (s.isPresent() && condition.test(s.get())) {
        return s.get();
      }
      assertAlive();
      Psql.sleep(25);
    }
    throw new AssertionError("status never matched within " + timeout.toSeconds() + " s; status: "
        + status().map(JsonNode::toString).orElse("(none)") + "\nlog:\n" + log());
  }

  /** The metrics file's samples, "name{labels}" → value, read as a Prometheus text parser would. */
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (String line : TestHost.read(metricsFile(host)).lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
    }
    return m;
  }

  /**
   * Waits until the metrics file satisfies {@code condition}: the daemon writes the status file,
   * then the metrics file, so a test that saw a new status may still read the previous metrics.
   */
  public Map<String, Double> awaitMetrics(java.util.function.Predicate<Map<String, Double>> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Double> m = metrics();
    while (!condition.test(m)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("metrics never matched within " + timeout.toSeconds() + " s: " + m + "\nlog:\n" + log());
      }
      assertAlive();
      Psql.sleep(50);
      m = metrics();
    }
    return m;
  }

  private void assertAlive() {
    if (!process.isAlive()) {
      throw new AssertionError("the daemon exited with " + process.exitValue() + "; log:\n" + log());
    }
  }

  /** The JVM that reconciles (the re-executed one as root, else the process itself). */
  public ProcessHandle reconcilerJvm() {
    return process.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .findFirst().orElse(process.toHandle());
  }

  /** Sends a signal ({@code TERM}, {@code HUP}) to the daemon as started. */
  public void signal(String name) {
    Processes.run(List.of("kill", "-" + name, Long.toString(process.pid())), Duration.ofSeconds(10)).assertExit(0);
  }

  /** Waits for the process to exit; returns its exit code, or fails after {@code timeout}. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("the daemon did not exit within " + timeout.toSeconds() + " s; log:\n" + log());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return process.exitValue();
  }

  /** Kills whatever of the daemon's process tree still runs. */
  @Override
  public void close() {
    List<ProcessHandle> tree = process.descendants().toList();
    process.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
