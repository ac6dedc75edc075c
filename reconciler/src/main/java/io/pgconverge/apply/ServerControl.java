package io.pgconverge.apply;

import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Starts and stops the server with pg_ctl, bounded. pg_ctl detaches the postmaster into its own
 * session, so the server outlives the reconciler.
 */
public final class ServerControl {
  static final Duration WAIT = Duration.ofSeconds(90);

  private ServerControl() {}

  /** Starts the server and waits until it accepts connections; throws with its last log lines when it will not start. */
  public static void start(Path bin, Path configDir, Path logFile) throws IOException {
    Files.createDirectories(logFile.getParent());
    CommandResult r =
        Commands.run(
            List.of(bin.resolve("pg_ctl").toString(), "start", "-D", configDir.toString(), "-l", logFile.toString(),
                "-w", "-t", "60", "-s"),
            WAIT);
    if (!r.ok()) {
      throw new IOException("the server did not start: " + r.tail(3) + lastLogLines(logFile, 8));
    }
  }

  /** Stops the server cleanly (fast shutdown: a checkpoint, connections closed). */
  public static void stop(Path bin, Path configDir) throws IOException {
    CommandResult r =
        Commands.run(
            List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", configDir.toString(), "-m", "fast", "-w", "-t", "60", "-s"),
            WAIT);
    if (!r.ok()) {
      throw new IOException("the server did not stop: " + r.tail(5));
    }
  }

  static String lastLogLines(Path logFile, int n) {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - n), lines.size());
      return tail.isEmpty() ? "" : "; the server's log " + logFile + " ends with:\n  " + String.join("\n  ", tail);
    } catch (IOException e) {
      return "";
    }
  }
}
