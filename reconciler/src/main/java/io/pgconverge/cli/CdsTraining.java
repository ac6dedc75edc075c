package io.pgconverge.cli;

import io.pgconverge.daemon.Daemon;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateLoader;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.host.ConnectionPrewarm;
import io.pgconverge.host.LocalServer;
import io.pgconverge.loop.Reconciler;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.PlanContext;
import io.pgconverge.report.MetricsText;
import io.pgconverge.report.ReportLines;
import io.pgconverge.report.RunReport;
import io.pgconverge.report.RunStatus;
import io.pgconverge.report.StatusFileJson;
import io.pgconverge.report.UnifiedDiff;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.commons.io.file.PathUtils;
import org.quartz.SchedulerException;
import org.slf4j.LoggerFactory;

/**
 * {@code pgconverge cds-train}: the start-up paths of check, apply and daemon, run once so that a
 * JVM started with {@code -XX:ArchiveClassesAtExit} writes a class-data archive the launcher then
 * maps ({@code /var/cache/pgconverge/pgconverge.jsa}, made by the packages' post-install). Touches
 * no server and nothing outside a temporary directory it removes: it configures logging (nothing
 * logged), parses a desired state and an invalid one, runs a check-only loop against an empty data
 * directory (observe, plan, report, status and metrics rendering), opens a JDBC connection to a
 * Unix socket that does not exist and one to a listener of its own that hangs up (pgjdbc and
 * {@code UnixSocketFactory}), runs {@code ConnectionPrewarm}, goes through a daemon's start
 * without a daemon ({@link Daemon#exerciseStartPaths}: Quartz, the file watch), and loads the classes listed in {@code
 * cds-classes.txt} (the rest of what a converged check, apply and daemon load: query execution).
 */
final class CdsTraining {
  private CdsTraining() {}

  static int run() throws IOException {
    LogSetup.configure("json");
    LogSetup.configure("text");
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(ch.qos.logback.classic.Level.OFF);
    Path dir = Files.createTempDirectory("pgconverge-cds-");
    try {
      train(dir);
    } finally {
      PathUtils.deleteDirectory(dir);
    }
    int loaded = preload();
    System.out.println("cds-train: done (" + loaded + " listed classes loaded)");
    return 0;
  }

  private static void train(Path dir) throws IOException {
    Files.writeString(dir.resolve("replicator.password"), "cds-train\n");
    Files.writeString(dir.resolve("app.password"), "cds-train\n");
    String user = "postgres";
    String yaml = String.join("\n",
        "version: 1",
        "cluster: cds",
        "self: node1",
        "peers:",
        "  - {name: node1, host: 127.0.0.1, port: 1, role: primary}",
        "  - {name: node2, host: 127.0.0.2, port: 1, role: replica}",
        "postgres:",
        "  data: " + dir.resolve("data"),
        "  user: " + user,
        "  socket_directory: " + dir,
        "  settings:",
        "    listen_addresses: '127.0.0.1'",
        "    wal_level: replica",
        "    max_wal_senders: 5",
        "    wal_keep_size: 152MB",
        "    shared_buffers: 128MB",
        "    work_mem: 4MB",
        "  hba:",
        "    - local all postgres peer",
        "    - host all all 127.0.0.1/32 scram-sha-256",
        "    - host replication replicator peers scram-sha-256",
        "roles:",
        "  - {name: replicator, login: true, replication: true, password_file: " + dir.resolve("replicator.password") + "}",
        "  - {name: app, login: true, createdb: true, connection_limit: 20, password_file: " + dir.resolve("app.password") + "}",
        "replication: {user: replicator, password_file: " + dir.resolve("replicator.password") + ", slots: true}",
        "schedule: {every: 5m}",
        "policy: {restart: window, window: {cron: '0 0 3 * * ?', duration: 1h}}",
        "");
    Path file = dir.resolve("desired-state.yaml");
    Files.writeString(file, yaml);
    DesiredStateLoader.load(dir.resolve("missing.yaml"), "node1");
    DesiredStateLoader.parse("version: 2\npeers: [1, {name: }]\nbogus: &a x\n", file, "node1");
    LoadResult loaded = DesiredStateLoader.load(file, Hostname.get());
    if (!(loaded instanceof LoadResult.Valid valid)) {
      throw new IllegalStateException("cds-train: the training desired state is invalid: " + loaded);
    }
    DesiredState desired = valid.state();
    RunReport report = new Reconciler(Clock.systemUTC()).run(desired, true, "cdstrain00", new PlanContext(false));
    ReportLines.of(report).forEach(l -> LoggerFactory.getLogger("pgconverge").info(l.text()));
    RunStatus status = RunStatus.of(report, Instant.now(),
        new RunStatus.DesiredStateStatus(file, true, List.of(), Optional.of(file)));
    StatusFileJson.render(status);
    MetricsText.render(status);
    for (Action.WriteFile w : report.fileWrites()) {
      UnifiedDiff.of(w.path().toString(), "", w.content());
    }
    try (var c = new LocalServer(dir, 1, user).connect()) {
      // no server listens there
    } catch (SQLException | RuntimeException e) {
      // expected: the socket does not exist
    }
    connectToAListenerThatHangsUp(new LocalServer(dir, 2, user));
    ConnectionPrewarm.start();
    ConnectionPrewarm.awaitDone();
    try {
      if (!Daemon.exerciseStartPaths(file)) {
        System.err.println("cds-train: the daemon's scheduler did not fire its job within 5 s");
      }
    } catch (SchedulerException e) {
      System.err.println("cds-train: the daemon's scheduler: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A JDBC connection over {@code UnixSocketFactory} to a Unix socket of our own that reads the
   * start-up packet and closes: connect, write, a timed read and its end, as in every run.
   */
  private static void connectToAListenerThatHangsUp(LocalServer server) throws IOException {
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      listener.bind(UnixDomainSocketAddress.of(server.socketFile()));
      Thread peer = new Thread(() -> {
        try (SocketChannel ch = listener.accept()) {
          ch.read(ByteBuffer.allocate(512));
        } catch (IOException e) {
          // the training client gave up first: nothing to learn from either side
        }
      }, "cds-train-listener");
      peer.setDaemon(true);
      peer.start();
      try (var c = server.connect()) {
        // the listener is no server: never reached
      } catch (SQLException | RuntimeException e) {
        // expected: the listener hung up
      }
      try {
        peer.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      Files.deleteIfExists(server.socketFile());
    }
  }

  /** Loads (without initializing) every class named in cds-classes.txt that this class path has. */
  private static int preload() throws IOException {
    ClassLoader loader = CdsTraining.class.getClassLoader();
    int n = 0;
    try (InputStream in = CdsTraining.class.getResourceAsStream("cds-classes.txt")) {
      if (in == null) {
        return 0;
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String name = line.strip();
        if (name.isEmpty() || name.startsWith("#")) {
          continue;
        }
        try {
          Class.forName(name, false, loader);
          n++;
        } catch (ClassNotFoundException | LinkageError e) {
          // gone since the list was made: nothing to archive
        }
      }
    }
    return n;
  }
}
