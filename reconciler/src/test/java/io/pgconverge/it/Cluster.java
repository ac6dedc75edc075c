package io.pgconverge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A streaming-replication cluster under test: node1 is the primary, node2.. are replicas, each
 * on its own host of a {@link NetnsLab} (its own namespace and address, all on port 5432), or on
 * 127.0.0.1 with a port each when the lab fell back to loopback. Extra lab hosts beyond the
 * nodes ("outsiders") are not peers: a place to connect from that the cluster must refuse.
 *
 * <p>Layout (the filesystem is shared by all namespaces, so every node has its own paths):
 *
 * <pre>
 *   /tmp/pgc-cluster-&lt;run&gt;-XXXX/       0755, owned by postgres
 *     replicator.password              0640, owned by postgres
 *     tls/                             CA, one cert and key per node (only with {@link #enableTls()})
 *     node1/  node2/  ...              0755, owned by postgres: socket directory, desired-state.yaml,
 *       data/                          PGDATA, made by the product
 * </pre>
 *
 * <p>Every node's desired-state file is the same text except {@code self}, {@code postgres.data},
 * {@code postgres.socket_directory} (and {@code postgres.bin} or the TLS file paths when a test
 * sets them per node). The product runs as root inside the node's namespace ({@code ip netns
 * exec <ns> java -jar <jar> ...}); the test reaches each server over its Unix socket as postgres.
 *
 * <p>{@link #close()} stops every server (immediate), kills anything whose command line names
 * the cluster directory (a pg_basebackup left behind) and anything still in the lab's
 * namespaces, deletes the namespaces and the directory, even after a failure.
 */
public final class Cluster implements AutoCloseable {
  /** Bound for polling replication state. */
  public static final Duration STREAMING_TIMEOUT = Duration.ofSeconds(30);

  private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(90);

  private final NetnsLab lab;
  private final Path root;
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final int outsiders;
  private final String password;
  private final Map<String, String> settings = new LinkedHashMap<>();
  private final List<String> hba = new ArrayList<>();
  private final Set<String> secrets = new LinkedHashSet<>();
  private boolean slots = true;
  private String reclone;
  private String synchronous;
  private String failover;
  private TestCertificates certificates;

  private Cluster(NetnsLab lab, Path root, int outsiders) {
    this.lab = lab;
    this.root = root;
    this.outsiders = outsiders;
    this.password = TestHost.randomPassword();
    secrets.add(password);
    settings.put("listen_addresses", lab.isolated() ? "*" : "127.0.0.1");
    settings.put("wal_level", "replica");
    settings.put("wal_log_hints", "on");
    settings.put("max_wal_senders", "10");
    settings.put("wal_keep_size", "152MB");
    settings.put("hot_standby", "on");
    hba.addAll(
        List.of(
            "local all postgres peer",
            "local all all peer",
            "host replication replicator peers scram-sha-256",
            "host all all 127.0.0.1/32 scram-sha-256"));
  }

  /** {@code nodes} nodes (node1 the primary), no outsiders; desired-state files written. */
  public static Cluster create(int nodes) {
    return create(nodes, 0);
  }

  /**
   * {@code nodes} nodes plus {@code outsiders} lab hosts that are not peers; desired-state files
   * and the replicator's password file written, nothing started.
   */
  public static Cluster create(int nodes, int outsiders) {
    if (!Files.isExecutable(TestHost.PG_BIN.resolve("postgres"))) {
      throw new IllegalStateException("PostgreSQL server binaries not found in " + TestHost.PG_BIN);
    }
    NetnsLab lab = NetnsLab.create(nodes + outsiders);
    Cluster cluster = null;
    try {
      Path root =
          Files.createTempDirectory(
              "pgc-cluster-" + lab.runId() + "-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
      cluster = new Cluster(lab, root, outsiders);
      prepareDirectory(root);
      List<Integer> loopbackPorts = lab.isolated() ? List.of() : TestHost.distinctFreePorts(nodes);
      for (int i = 1; i <= nodes; i++) {
        Path dir = root.resolve("node" + i);
        Files.createDirectory(dir);
        prepareDirectory(dir);
        int port = lab.isolated() ? 5432 : loopbackPorts.get(i - 1);
        cluster.nodes.add(new ClusterNode(i, i == 1, dir, port, lab.address(i)));
      }
      cluster.writePasswordFile();
      cluster.writeDesired();
      System.out.println("cluster " + lab + ": " + cluster.nodes);
      return cluster;
    } catch (IOException e) {
      cleanUpAfterFailedCreate(cluster, lab, e);
      throw new UncheckedIOException("cannot make a cluster directory", e);
    } catch (RuntimeException | Error e) {
      cleanUpAfterFailedCreate(cluster, lab, e);
      throw e;
    }
  }

  private static void cleanUpAfterFailedCreate(Cluster cluster, NetnsLab lab, Throwable cause) {
    try {
      if (cluster != null) {
        cluster.close();
      } else {
        lab.close();
      }
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  private static void prepareDirectory(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    PostgresUser.chown(dir);
  }

  public NetnsLab lab() {
    return lab;
  }

  public Path root() {
    return root;
  }

  public List<ClusterNode> nodes() {
    return List.copyOf(nodes);
  }

  /** Node {@code i} (1-based). */
  public ClusterNode node(int i) {
    return nodes.get(i - 1);
  }

  /** The node the desired state makes primary (node1 unless a test changed the roles). */
  public ClusterNode primary() {
    return nodes.stream().filter(n -> n.isListed() && n.isPrimary()).findFirst().orElse(nodes.get(0));
  }

  /** The listed nodes the desired state makes replicas, in node order. */
  public List<ClusterNode> replicas() {
    ClusterNode primary = primary();
    return nodes.stream().filter(n -> n.isListed() && n != primary).collect(Collectors.toList());
  }

  /** The lab host number of outsider {@code j} (1-based): a host that is not a peer. */
  public int outsiderHost(int j) {
    if (j < 1 || j > outsiders) {
      throw new IllegalArgumentException("outsider " + j + " is not in 1.." + outsiders);
    }
    return nodes.size() + j;
  }

  public Path passwordFile() {
    return root.resolve("replicator.password");
  }

  /** The replicator's password (in clear, for clients the test runs; never in pgconverge output). */
  public String replicatorPassword() {
    return password;
  }

  /** postgresql.conf settings shared by every node; call {@link #writeDesired()} after a change. */
  public Map<String, String> settings() {
    return settings;
  }

  /** hba lines shared by every node; call {@link #writeDesired()} after a change. */
  public List<String> hba() {
    return hba;
  }

  /** {@code replication.slots}; call {@link #writeDesired()} after a change. */
  public Cluster slots(boolean on) {
    this.slots = on;
    return this;
  }

  /**
   * Makes a CA and one server certificate per node (subjectAltName = the node's IP) and puts
   * {@code postgres.ssl} into every node's desired state (written here).
   */
  public Cluster enableTls() {
    certificates = TestCertificates.authority(root.resolve("tls"));
    for (ClusterNode n : nodes) {
      n.tls(certificates.server(n.name(), n.address()));
    }
    writeDesired();
    return this;
  }

  private void writePasswordFile() throws IOException {
    Path file = passwordFile();
    Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    PostgresUser.chown(file);
  }

  /**
   * {@code replication.synchronous} as a YAML flow mapping ({@code "{method: any, number: 1}"};
   * null leaves it out: asynchronous); call {@link #writeDesired()} after a change.
   */
  public Cluster synchronous(String section) {
    this.synchronous = section;
    return this;
  }

  /**
   * {@code policy.reclone} ({@code never} or {@code move-aside}; null leaves it out, the
   * default); call {@link #writeDesired()} after a change.
   */
  public Cluster reclone(String policy) {
    this.reclone = policy;
    return this;
  }

  /**
   * The {@code failover} section as a YAML flow mapping (e.g. {@code {mode: etcd, etcd: {...}}};
   * null leaves it out: file mode); call {@link #writeDesired()} after a change.
   */
  public Cluster failover(String section) {
    this.failover = section;
    return this;
  }

  /** Writes every node's desired-state file. */
  public void writeDesired() {
    writeDesired(nodes.toArray(ClusterNode[]::new));
  }

  /**
   * Writes the desired-state file of {@code only} these nodes (config management pushing the
   * current desired state to some hosts; the others keep the file they had).
   */
  public void writeDesired(ClusterNode... only) {
    for (ClusterNode n : only) {
      try {
        Files.writeString(n.desiredStateFile(), renderDesired(n), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(
            n.desiredStateFile(), PosixFilePermissions.fromString("rw-r--r--"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + n.desiredStateFile(), e);
      }
    }
  }

  /** The desired-state YAML as {@code self} sees it. Has no side effects. */
  public String renderDesired(ClusterNode self) {
    StringBuilder y = new StringBuilder();
    y.append("# desired state written by the pgconverge cluster integration tests\n");
    y.append("version: 1\n");
    y.append("cluster: itcluster\n");
    y.append("self: ").append(self.name()).append('\n');
    y.append("peers:\n");
    for (ClusterNode n : nodes) {
      if (!n.isListed()) {
        continue;
      }
      y.append("  - {name: ").append(n.name())
          .append(", host: ").append(DesiredStateFile.quote(n.address()))
          .append(", port: ").append(n.port())
          .append(", role: ").append(n.role()).append("}\n");
    }
    y.append("postgres:\n");
    y.append("  bin: ").append(DesiredStateFile.quote(self.pgBin())).append('\n');
    y.append("  data: ").append(DesiredStateFile.quote(self.data())).append('\n');
    y.append("  socket_directory: ").append(DesiredStateFile.quote(self.socketDir())).append('\n');
    y.append("  user: ").append(DesiredStateFile.quote(PostgresUser.NAME)).append('\n');
    self.tls().ifPresent(t -> y.append("  ssl: {cert_file: ")
        .append(DesiredStateFile.quote(t.certFile()))
        .append(", key_file: ").append(DesiredStateFile.quote(t.keyFile()))
        .append(", ca_file: ").append(DesiredStateFile.quote(t.caFile())).append("}\n"));
    y.append("  settings:\n");
    settings.forEach((k, v) ->
        y.append("    ").append(k).append(": ").append(DesiredStateFile.quote(v)).append('\n'));
    y.append("  hba:\n");
    hba.forEach(line -> y.append("    - ").append(DesiredStateFile.quote(line)).append('\n'));
    y.append("roles:\n");
    y.append("  - {name: replicator, login: true, replication: true, password_file: ")
        .append(DesiredStateFile.quote(passwordFile())).append("}\n");
    y.append("replication: {user: replicator, password_file: ")
        .append(DesiredStateFile.quote(passwordFile()))
        .append(", slots: ").append(slots)
        .append(synchronous == null ? "" : ", synchronous: " + synchronous).append("}\n");
    y.append("policy: {restart: never")
        .append(reclone == null ? "" : ", reclone: " + reclone).append("}\n");
    if (failover != null) {
      y.append("failover: ").append(failover).append('\n');
    }
    return y.toString();
  }

  // ---------------------------------------------------------------- running the product

  /** {@code pgconverge apply --config <node's file>}, inside the node's namespace. */
  public ProcessResult apply(ClusterNode node) {
    return pgconverge(node, "apply", "--config", node.desiredStateFile().toString());
  }

  /** {@code pgconverge check --config <node's file>}, inside the node's namespace. */
  public ProcessResult check(ClusterNode node) {
    return pgconverge(node, "check", "--config", node.desiredStateFile().toString());
  }

  /** {@code pgconverge status --config <node's file> --json}, inside the node's namespace. */
  public ProcessResult statusJson(ClusterNode node) {
    return pgconverge(node, "status", "--config", node.desiredStateFile().toString(), "--json");
  }

  /**
   * Runs the jar with {@code args} inside the node's namespace, bounded by {@link Cli#TIMEOUT};
   * fails when the replicator's password appears in the output.
   */
  public ProcessResult pgconverge(ClusterNode node, String... args) {
    ProcessResult r = Processes.run(lab.command(node.index(), Cli.command(List.of(args))), Cli.TIMEOUT);
    assertNoSecrets(r);
    return r;
  }

  /** Starts {@code pgconverge args} for the node, inside its namespace, in the background. */
  public BackgroundProcess startInNode(ClusterNode node, List<String> args) {
    return BackgroundProcess.start(lab.command(node.index(), Cli.command(args)), Map.of());
  }

  /** Starts {@code apply} for the node in the background (for a test that kills it). */
  public BackgroundProcess startApply(ClusterNode node) {
    return BackgroundProcess.start(
        lab.command(node.index(),
            Cli.command(List.of("apply", "--config", node.desiredStateFile().toString()))),
        Map.of());
  }

  /** Fails when a password of this cluster appears in {@code r}'s output. */
  public void assertNoSecrets(ProcessResult r) {
    for (String secret : secrets) {
      if (r.output().contains(secret)) {
        throw new AssertionError("the replicator's password appears in the output\n" + r.describe());
      }
    }
  }

  // ---------------------------------------------------------------- reaching the servers

  /** Runs {@code sql} as postgres over the node's Unix socket; the caller judges the result. */
  public ProcessResult tryPsql(ClusterNode node, String sql) {
    return Processes.run(
        PostgresUser.command(
            List.of(
                TestHost.PG_BIN.resolve("psql").toString(), "-X", "-A", "-t", "-w",
                "-h", node.socketDir().toString(),
                "-p", Integer.toString(node.port()),
                "-U", PostgresUser.NAME,
                "-d", "postgres",
                "-v", "ON_ERROR_STOP=1",
                "-c", sql)),
        Map.of("PGCONNECT_TIMEOUT", "10"),
        Duration.ofSeconds(30));
  }

  /** Runs {@code sql} as postgres over the node's Unix socket; its trimmed unaligned output. */
  public String psql(ClusterNode node, String sql) {
    ProcessResult r = tryPsql(node, sql);
    if (r.exitCode() != 0) {
      throw new AssertionError("psql failed on " + node + "\n" + r.describe());
    }
    return r.stdout().trim();
  }

  /**
   * Polls {@code sql} on the node until it answers {@code expected} or {@code timeout} passes;
   * returns the last answer (a failed query counts as an answer of its error output).
   */
  public String await(ClusterNode node, String sql, String expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      ProcessResult r = tryPsql(node, sql);
      String last = r.exitCode() == 0 ? r.stdout().trim() : "psql failed: " + r.output().trim();
      if (Objects.equals(last, expected) || System.nanoTime() > deadline) {
        return last;
      }
      Psql.sleep(200);
    }
  }

  /**
   * Runs psql with {@code conninfo} inside lab host {@code host} (a node's or an outsider's
   * namespace), with {@code password} through PGPASSWORD: a client on that host's address.
   */
  public ProcessResult psqlFromHost(int host, String conninfo, String password, String sql) {
    return lab.exec(
        host,
        List.of(TestHost.PG_BIN.resolve("psql").toString(), "-X", "-A", "-t", "-w",
            "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql),
        Map.of("PGPASSWORD", password, "PGCONNECT_TIMEOUT", "10"),
        Duration.ofSeconds(30));
  }

  /**
   * The application names the primary streams to, sorted and comma-separated, counting a replica
   * only when its row has {@code replay_lsn} set (testing.md: pg_basebackup's own connection also
   * says streaming). Has no side effects.
   */
  public static String streamingReplicasSql() {
    return "select coalesce(string_agg(application_name, ',' order by application_name), '')"
        + " from pg_stat_replication where state = 'streaming' and replay_lsn is not null";
  }

  /** The replica names, sorted and comma-separated, as {@link #streamingReplicasSql()} prints. */
  public String replicaNames() {
    return replicas().stream().map(ClusterNode::name).sorted().collect(Collectors.joining(","));
  }

  /**
   * Waits (bounded by {@link #STREAMING_TIMEOUT} per check) until the primary streams to every
   * replica and each replica's wal receiver says {@code streaming}; fails with what it saw.
   */
  public void awaitAllStreaming() {
    String seen = await(primary(), streamingReplicasSql(), replicaNames(), STREAMING_TIMEOUT);
    if (!seen.equals(replicaNames())) {
      StringBuilder why = new StringBuilder("primary streams to [" + seen + "], expected ["
          + replicaNames() + "]; pg_stat_replication: "
          + tryPsql(primary(), "select application_name, state, replay_lsn from pg_stat_replication")
              .output().trim());
      for (ClusterNode r : replicas()) {
        why.append("; ").append(r.name()).append(" in recovery: ")
            .append(tryPsql(r, "select pg_is_in_recovery()").output().trim())
            .append(", standby.signal ").append(Files.exists(r.standbySignal()) ? "present" : "absent");
      }
      throw new AssertionError(why.toString());
    }
    for (ClusterNode r : replicas()) {
      awaitWalReceiverStreaming(r);
    }
  }

  /** Waits until the replica's {@code pg_stat_wal_receiver.status} is {@code streaming}. */
  public void awaitWalReceiverStreaming(ClusterNode replica) {
    String status =
        await(replica, "select status from pg_stat_wal_receiver", "streaming", STREAMING_TIMEOUT);
    if (!status.equals("streaming")) {
      throw new AssertionError(replica + ": wal receiver status is '" + status
          + "'; pg_is_in_recovery: " + tryPsql(replica, "select pg_is_in_recovery()").output().trim());
    }
  }

  /** {@code pg_ctl <args>} on the node's data directory, as postgres, inside its namespace. */
  public ProcessResult pgCtl(ClusterNode node, String... args) {
    List<String> argv = new ArrayList<>(
        List.of(node.pgBin().resolve("pg_ctl").toString(), "-D", node.data().toString()));
    argv.addAll(List.of(args));
    return Processes.run(lab.command(node.index(), PostgresUser.command(argv)), PG_CTL_TIMEOUT);
  }

  /** Stops the node's server by hand ({@code pg_ctl stop -m fast}), as an admin would. */
  public void stopServer(ClusterNode node) {
    pgCtl(node, "-m", "fast", "-w", "-t", "60", "stop").assertExit(0);
  }

  /**
   * Restarts the node's server by hand with the options it was started with ({@code pg_ctl
   * restart} reuses postmaster.opts), inside its namespace, logging to the node directory.
   */
  public void restartServer(ClusterNode node) {
    pgCtl(node, "-m", "fast", "-w", "-t", "60",
        "-l", node.dir().resolve("manual-restart.log").toString(), "restart").assertExit(0);
  }

  /**
   * Cuts the node's network link ({@code ip link set v<i> down} on the bridge side, in the
   * bridge's namespace): packets to and from its address vanish, as when its host dies.
   */
  public void cutLink(ClusterNode node) {
    bridgeLink(node, "down");
  }

  /** Undoes {@link #cutLink(ClusterNode)}. */
  public void restoreLink(ClusterNode node) {
    bridgeLink(node, "up");
  }

  private void bridgeLink(ClusterNode node, String state) {
    if (!lab.isolated()) {
      throw new IllegalStateException("no links to cut in loopback mode");
    }
    String bridge = lab.namespaces().get(0);
    if (!bridge.endsWith("-br")) {
      throw new IllegalStateException("the lab's first namespace is not its bridge: " + bridge);
    }
    Processes.run(List.of("ip", "-n", bridge, "link", "set", "v" + node.index(), state),
        Duration.ofSeconds(20)).assertExit(0);
  }

  // ---------------------------------------------------------------- cleaning up

  /**
   * Stops every server (immediate mode; killed when that fails), kills anything still running
   * whose command line names {@link #root()} or that lives in the lab's namespaces, deletes the
   * namespaces and the directory. Tries every step; throws the first failure at the end.
   */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (ClusterNode n : nodes) {
      try {
        stopQuietly(n);
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    try {
      ProcTable.killAllContaining(root.toString());
    } catch (RuntimeException e) {
      failures.add(e);
    }
    try {
      lab.close();
    } catch (RuntimeException e) {
      failures.add(e);
    }
    try {
      TestHost.deleteTree(root);
    } catch (RuntimeException e) {
      failures.add(e);
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }

  private void stopQuietly(ClusterNode n) {
    Path pid = n.data().resolve("postmaster.pid");
    if (!Files.exists(pid)) {
      return;
    }
    try {
      Processes.run(
          PostgresUser.command(
              List.of(TestHost.PG_BIN.resolve("pg_ctl").toString(), "-D", n.data().toString(),
                  "-m", "immediate", "-w", "-t", "30", "stop")),
          Duration.ofSeconds(60));
    } catch (AssertionError | RuntimeException e) {
      // the kill below and the namespace sweep still run
    }
    if (Files.exists(pid)) {
      try {
        Files.readAllLines(pid).stream().findFirst().map(String::trim)
            .filter(s -> s.matches("[0-9]+"))
            .flatMap(s -> ProcessHandle.of(Long.parseLong(s)))
            .ifPresent(ProcessHandle::destroyForcibly);
      } catch (IOException ignored) {
        // gone meanwhile
      }
    }
  }
}
