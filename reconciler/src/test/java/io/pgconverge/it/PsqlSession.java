package io.pgconverge.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived {@code psql} as postgres over a node's Unix socket, fed statements on its
 * standard input: a query costs a round trip instead of a process start (under this machine's load
 * starting psql through runuser takes most of a second, too slow to poll every 100 ms).
 *
 * <p>Each {@link #run} writes the statement and then {@code \echo <marker>}, and reads the merged
 * output up to the marker. A line with {@code ERROR:} or {@code FATAL:}, a timeout, or psql gone
 * (psql ends a non-interactive session whose connection was lost) fails the statement; after a
 * timeout or an exit the session is dead and {@link #run} on it returns empty at once. Not
 * thread-safe: one session per thread.
 */
final class PsqlSession implements AutoCloseable {
  private static final String END = "__pgc_end_";
  private final Process process;
  private final Writer in;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private long counter;
  private boolean dead;

  private PsqlSession(Process process) {
    this.process = process;
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l = r.readLine(); l != null; l = r.readLine()) {
          lines.add(l);
        }
      } catch (IOException e) {
        // the process went away: run() sees it exit
      }
    }, "psql-session-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts psql for the node (it connects on the first statement's turn; a refusal makes it exit). */
  static PsqlSession open(ClusterNode node) {
    List<String> argv = PostgresUser.command(List.of(
        TestHost.PG_BIN.resolve("psql").toString(), "-X", "-A", "-t", "-w",
        "-h", node.socketDir().toString(), "-p", Integer.toString(node.port()),
        "-U", PostgresUser.NAME, "-d", "postgres", "-v", "ON_ERROR_STOP=0"));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    pb.environment().put("PGCONNECT_TIMEOUT", "5");
    try {
      return new PsqlSession(pb.start());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot start psql", e);
    }
  }

  /** True once the session can no longer run statements. */
  boolean dead() {
    return dead || !process.isAlive();
  }

  /**
   * Runs one statement (a single line, no trailing semicolon needed); its output lines (tuples and
   * command tags), or empty when it failed, timed out or the session is dead.
   */
  Optional<List<String>> run(String sql, Duration timeout) {
    if (dead()) {
      dead = true;
      return Optional.empty();
    }
    String marker = END + (++counter);
    try {
      in.write(sql + ";\n\\echo " + marker + "\n");
      in.flush();
    } catch (IOException e) {
      close();
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    boolean failed = false;
    long until = System.nanoTime() + timeout.toNanos();
    while (true) {
      String l;
      try {
        l = lines.poll(Math.min(50_000_000L, Math.max(1, until - System.nanoTime())), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        return Optional.empty();
      }
      if (l == null) {
        if (!process.isAlive() && lines.isEmpty() || System.nanoTime() >= until) {
          close();
          return Optional.empty();
        }
        continue;
      }
      if (l.equals(marker)) {
        return failed ? Optional.empty() : Optional.of(out);
      }
      if (l.contains("ERROR:") || l.contains("FATAL:") || l.startsWith("psql:")) {
        failed = true;
      }
      out.add(l);
    }
  }

  /** Ends psql (SIGKILL of runuser and its child). */
  @Override
  public void close() {
    dead = true;
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
