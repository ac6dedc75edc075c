package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Three hosts under {@code failover.mode: etcd}, each running a real {@code pgconverge daemon}
 * inside its network namespace, and a fourth host (an outsider, not a peer) running the
 * three-member etcd the daemons share. The test JVM never connects to a namespace address: it
 * reaches the servers over their Unix sockets and etcd through {@code etcdctl} run inside the
 * outsider's namespace.
 *
 * <p>Timings: ttl 20 s, loop_wait 2 s, retry_timeout 5 s (a shorter ttl failed under this shared
 * machine's load). Faults: {@link #killHost} (kill -9 of the postmaster, the first line of
 * {@code postmaster.pid}, and of the daemon's whole process group), {@link Cluster#cutLink} (the
 * host's link down on the bridge), {@link EtcdCluster#freezeAll()} (SIGSTOP of every member).
 *
 * <p>{@link #close()} ends every daemon by its process group, every etcd member by its PID, then
 * closes the {@link Cluster} (servers, namespaces, directory), also after a failed test.
 */
final class FailoverLab implements AutoCloseable {
  static final Duration TTL = Duration.ofSeconds(20);
  static final Duration LOOP_WAIT = Duration.ofSeconds(2);
  static final Duration RETRY_TIMEOUT = Duration.ofSeconds(5);
  /** The table the writer fills; created on the first primary by {@link #form}. */
  static final String TABLE = "acked";
  /** Bound for a cluster to form (initdb, two base backups, the leader key) or heal. */
  static final Duration FORMATION = Duration.ofSeconds(150);
  /** Where the cluster's keys live: the default namespace and the cluster's name. */
  static final String KEYS = "/pgconverge/itcluster/";

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final Pattern PEER_LINE = Pattern.compile("(?m)^(  - \\{name: (node[0-9]+),.*)\\}$");

  private final Cluster cluster;
  private final EtcdCluster etcd;
  private final Map<String, Integer> priorities = new LinkedHashMap<>();
  private final Map<ClusterNode, Process> daemons = new LinkedHashMap<>();
  private final Map<ClusterNode, Integer> daemonStarts = new LinkedHashMap<>();
  /** Helper processes the lab started (an armed {@link #etcdFreezer}); killed by {@link #close()}. */
  private final List<Process> helpers = new ArrayList<>();
  private boolean failsafe;
  private String maximumLag = "16MB";
  private String schedule;

  private FailoverLab(Cluster cluster, EtcdCluster etcd) {
    this.cluster = cluster;
    this.etcd = etcd;
  }

  /**
   * A cluster of three hosts plus the etcd host, the desired-state files written with {@code
   * failover.mode: etcd}; nothing of PostgreSQL started. Empty when the lab has no namespaces
   * (the caller skips).
   */
  static Optional<FailoverLab> create() {
    Cluster cluster = Cluster.create(3, 1);
    if (!cluster.lab().isolated()) {
      cluster.close();
      return Optional.empty();
    }
    try {
      FailoverLab lab = new FailoverLab(cluster, startEtcd(cluster));
      cluster.nodes().forEach(n -> lab.priorities.put(n.name(), 1));
      lab.writeDesired();
      return Optional.of(lab);
    } catch (RuntimeException | Error e) {
      try {
        cluster.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  private static EtcdCluster startEtcd(Cluster cluster) {
    try {
      return EtcdCluster.startIn(cluster.lab(), cluster.outsiderHost(1));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start etcd in the outsider's namespace", e);
    }
  }

  /**
   * {@link #create()}, then the three daemons started together and awaited until node1 holds the
   * leader key, is the only writable server and streams to both replicas; the writer's table made.
   */
  static Optional<FailoverLab> form() {
    return form(lab -> { });
  }

  /** {@link #form()} with the desired state changed by {@code configure} before any daemon starts. */
  static Optional<FailoverLab> form(java.util.function.Consumer<FailoverLab> configure) {
    Optional<FailoverLab> made = create();
    if (made.isEmpty()) {
      return made;
    }
    FailoverLab lab = made.get();
    try {
      configure.accept(lab);
      lab.writeDesired();
      long t0 = System.nanoTime();
      lab.cluster.nodes().forEach(lab::startDaemon);
      ClusterNode primary = lab.awaitHealthy(FORMATION);
      assertThat(primary.name()).as("the file's preferred primary bootstraps the cluster").isEqualTo("node1");
      lab.cluster.psql(primary, "create table " + TABLE + " (n bigint primary key)");
      System.out.printf("failover lab formed in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, lab.cluster.nodes());
      return made;
    } catch (RuntimeException | Error e) {
      System.out.println(lab.transcript());
      try {
        lab.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  Cluster cluster() {
    return cluster;
  }

  EtcdCluster etcd() {
    return etcd;
  }

  ClusterNode node(int i) {
    return cluster.node(i);
  }

  // ---------------------------------------------------------------- the desired state

  /** Sets a peer's {@code failover_priority}; call {@link #writeDesired()} after. */
  FailoverLab priority(ClusterNode node, int priority) {
    priorities.put(node.name(), priority);
    return this;
  }

  /** Sets {@code failover.failsafe}; call {@link #writeDesired()} after. */
  FailoverLab failsafe(boolean on) {
    this.failsafe = on;
    return this;
  }

  /** Sets {@code failover.maximum_lag} (a size as the file says it); call {@link #writeDesired()} after. */
  FailoverLab maximumLag(String size) {
    this.maximumLag = size;
    return this;
  }

  /** Sets the {@code schedule} section as a flow mapping (null: the default); call {@link #writeDesired()} after. */
  FailoverLab schedule(String flow) {
    this.schedule = flow;
    return this;
  }

  /** The {@code failover} section every node's file carries. Has no side effects. */
  String failoverSection() {
    String endpoints = etcd.endpoints().stream().map(Object::toString).collect(Collectors.joining(", ", "[", "]"));
    return "failover:\n"
        + "  mode: etcd\n"
        + "  etcd: {endpoints: " + endpoints + "}\n"
        + "  ttl: " + TTL.toSeconds() + "s\n"
        + "  loop_wait: " + LOOP_WAIT.toSeconds() + "s\n"
        + "  retry_timeout: " + RETRY_TIMEOUT.toSeconds() + "s\n"
        + "  maximum_lag: " + maximumLag + "\n"
        + "  failsafe: " + failsafe + "\n";
  }

  /** The node's file: the cluster's rendering with each peer's priority and the failover section. */
  String renderDesired(ClusterNode self) {
    Matcher m = PEER_LINE.matcher(cluster.renderDesired(self));
    StringBuilder y = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(y, Matcher.quoteReplacement(
          m.group(1) + ", failover_priority: " + priorities.getOrDefault(m.group(2), 1) + "}"));
    }
    m.appendTail(y);
    y.append(failoverSection());
    if (schedule != null) {
      y.append("schedule: ").append(schedule).append('\n');
    }
    return y.toString();
  }

  /** Pushes every node's file (the daemons watch the directory and pick it up). */
  void writeDesired() {
    for (ClusterNode n : cluster.nodes()) {
      Path file = n.desiredStateFile();
      Path tmp = n.dir().resolve(".desired-state.yaml.new");
      try {
        Files.writeString(tmp, renderDesired(n), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }
  }

  // ---------------------------------------------------------------- daemons

  /**
   * Starts {@code pgconverge daemon} for the node inside its namespace, in a session and process
   * group of its own ({@code setsid}, which execs: the group id is the process id), logging to
   * {@code daemon-<n>.log} in the node directory.
   */
  void startDaemon(ClusterNode node) {
    Process old = daemons.get(node);
    if (old != null && old.isAlive()) {
      throw new IllegalStateException(node.name() + "'s daemon still runs (pid " + old.pid() + ")");
    }
    int n = daemonStarts.merge(node, 1, Integer::sum);
    Path run = node.dir().resolve("run");
    try {
      Files.createDirectories(run);
      PostgresUser.chown(run);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> argv = new ArrayList<>(List.of("setsid"));
    argv.addAll(Cli.command(List.of("daemon",
        "--config", node.desiredStateFile().toString(),
        "--status-file", run.resolve("status.json").toString(),
        "--metrics-file", run.resolve("metrics.prom").toString())));
    ProcessBuilder pb = new ProcessBuilder(cluster.lab().command(node.index(), argv))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(daemonLog(node, n).toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    try {
      daemons.put(node, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + node.name() + "'s daemon", e);
    }
  }

  private Path daemonLog(ClusterNode node, int start) {
    return node.dir().resolve("daemon-" + start + ".log");
  }

  /** True while the node's daemon runs. */
  boolean daemonAlive(ClusterNode node) {
    Process p = daemons.get(node);
    return p != null && p.isAlive();
  }

  /** SIGKILL of the daemon's whole process group (its root JVM, runuser, the postgres user's JVM). */
  void killDaemon(ClusterNode node) {
    Process p = daemons.get(node);
    if (p == null) {
      return;
    }
    long pgid = ProcTable.read(p.pid()).map(ProcTable.Proc::pgid).orElse(-1L);
    if (pgid == p.pid() && pgid != ProcTable.ownProcessGroup()) {
      Processes.run(List.of("kill", "-KILL", "--", "-" + pgid), Duration.ofSeconds(10));
    }
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The postmaster's PID (the first line of {@code postmaster.pid}), when the file is there. */
  Optional<Long> postmasterPid(ClusterNode node) {
    Path pid = node.data().resolve("postmaster.pid");
    try {
      return Files.readAllLines(pid).stream().findFirst().map(String::trim)
          .filter(s -> s.matches("[0-9]+")).map(Long::parseLong);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The host dies as far as its processes go: kill -9 of the postmaster and of the daemon's whole
   * process group at once (the link stays up: a host that lost power would also lose it).
   */
  void killHost(ClusterNode node) {
    Optional<Long> postmaster = postmasterPid(node);
    postmaster.ifPresent(pid -> Processes.run(List.of("kill", "-KILL", Long.toString(pid)), Duration.ofSeconds(10)));
    killDaemon(node);
    postmaster.ifPresent(pid -> {
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < until) {
        Psql.sleep(50);
      }
    });
  }

  /** Everything the node's daemons logged, every start in order. */
  String daemonLog(ClusterNode node) {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= daemonStarts.getOrDefault(node, 0); i++) {
      Path f = daemonLog(node, i);
      b.append("---- ").append(node.name()).append(" daemon start ").append(i).append('\n');
      try {
        if (Files.exists(f)) {
          b.append(Files.readString(f, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        b.append("(unreadable: ").append(e).append(")\n");
      }
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- operator requests

  /**
   * {@code pgconverge switchover --to <to> --from <from>} run inside {@code from}'s namespace, as an
   * operator on that host would; it returns once {@code to} holds the leader key (or fails).
   */
  ProcessResult switchover(ClusterNode from, ClusterNode to) {
    return cluster.pgconverge(from, "switchover", "--to", to.name(), "--from", from.name(), "--timeout", "60",
        "--config", from.desiredStateFile().toString());
  }

  /** {@code pgconverge pause} run inside {@code at}'s namespace: the pause key. */
  ProcessResult pause(ClusterNode at) {
    return cluster.pgconverge(at, "pause", "--config", at.desiredStateFile().toString());
  }

  /** {@code pgconverge resume} run inside {@code at}'s namespace: the pause key deleted. */
  ProcessResult resume(ClusterNode at) {
    return cluster.pgconverge(at, "resume", "--config", at.desiredStateFile().toString());
  }

  /** The last {@code lines} lines of every daemon's log and what etcd holds: for failure messages. */
  String transcript() {
    StringBuilder b = new StringBuilder();
    for (ClusterNode n : cluster.nodes()) {
      List<String> l = daemonLog(n).lines().toList();
      b.append(String.join("\n", l.subList(Math.max(0, l.size() - 60), l.size()))).append('\n');
      b.append(serverLogTail(n, 8));
    }
    b.append("etcd ").append(KEYS).append(": ").append(etcdKeys()).append('\n');
    return b.toString();
  }

  /** The last lines of the node's newest server log ({@code data/log/}), headed by its name. */
  String serverLogTail(ClusterNode node, int lines) {
    try (java.util.stream.Stream<Path> logs = Files.list(node.data().resolve("log"))) {
      Optional<Path> newest = logs.max(java.util.Comparator.comparing(p -> p.toFile().lastModified()));
      if (newest.isEmpty()) {
        return "";
      }
      List<String> l = Files.readAllLines(newest.get(), StandardCharsets.UTF_8);
      return "---- " + node.name() + " server log " + newest.get().getFileName() + "\n"
          + String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size())) + "\n";
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  // ---------------------------------------------------------------- observing

  /** {@code pg_is_in_recovery()} over the node's socket: "t", "f" or "down". */
  String recovery(ClusterNode node) {
    ProcessResult r = cluster.tryPsql(node, "select pg_is_in_recovery()");
    return r.exitCode() == 0 ? r.stdout().trim() : "down";
  }

  boolean writable(ClusterNode node) {
    return recovery(node).equals("f");
  }

  /** The nodes answering {@code pg_is_in_recovery() = f} now. */
  List<ClusterNode> writableNodes() {
    return cluster.nodes().stream().filter(this::writable).toList();
  }

  /** The leader key's value (the primary's member name), empty when there is none or etcd did not answer. */
  Optional<String> leader() {
    return etcdValue("leader");
  }

  /** The role {@code node}'s member key publishes ("primary", "replica", "stopped"), or "no key". */
  String memberRole(ClusterNode node) {
    Optional<String> v = etcdValue("members/" + node.name());
    if (v.isEmpty()) {
      return "no key";
    }
    try {
      return JSON.readTree(v.get()).path("role").asText("no role");
    } catch (java.io.IOException e) {
      return "unreadable (" + v.get() + ")";
    }
  }

  /** The value of the cluster's key {@code name}, empty when absent or when etcd did not answer. */
  Optional<String> etcdValue(String name) {
    ProcessResult r = etcd.etcdctl("get", "--print-value-only", KEYS + name);
    String v = r.stdout().strip();
    return r.exitCode() == 0 && !v.isEmpty() ? Optional.of(v) : Optional.empty();
  }

  /** The {@code sync} key's members (linearizable etcdctl read inside etcd's namespace); empty when there is no key. */
  List<String> syncKeyMembers() {
    Optional<String> v = etcdValue("sync");
    if (v.isEmpty()) {
      return List.of();
    }
    try {
      List<String> names = new ArrayList<>();
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(v.get()).path("members").forEach(m -> names.add(m.asText()));
      return names;
    } catch (IOException e) {
      throw new AssertionError("the sync key is not JSON: " + v.get(), e);
    }
  }

  /** Every key of the cluster and its value, one "key = value" per line (or etcdctl's error). */
  String etcdKeys() {
    ProcessResult r = etcd.etcdctl("get", "--prefix", KEYS, "--command-timeout=1s");
    if (r.exitCode() != 0) {
      return "(etcdctl failed: " + r.output().trim() + ")";
    }
    List<String> l = r.stdout().lines().toList();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i + 1 < l.size(); i += 2) {
      b.append("\n  ").append(l.get(i)).append(" = ").append(l.get(i + 1));
    }
    return b.toString();
  }

  /**
   * A lower bound of when the leader key's lease ends, on this JVM's monotonic clock: now plus the
   * remaining TTL etcd reports for it (whole seconds, rounded down); empty without a leader or an
   * answer. A renewal landing later only moves the end further.
   */
  Optional<Long> leaseEndsAtTheEarliestNanos() {
    long now = System.nanoTime();
    ProcessResult kv = etcd.etcdctl("get", KEYS + "leader", "-w", "json");
    if (kv.exitCode() != 0) {
      return Optional.empty();
    }
    try {
      com.fasterxml.jackson.databind.JsonNode kvs = JSON.readTree(kv.stdout()).path("kvs");
      if (!kvs.isArray() || kvs.isEmpty() || kvs.get(0).path("lease").asLong(0) == 0) {
        return Optional.empty();
      }
      String id = Long.toHexString(kvs.get(0).path("lease").asLong());
      ProcessResult ttl = etcd.etcdctl("lease", "timetolive", id, "-w", "json");
      if (ttl.exitCode() != 0) {
        return Optional.empty();
      }
      long remaining = JSON.readTree(ttl.stdout()).path("ttl").asLong(-1);
      return remaining < 0 ? Optional.empty() : Optional.of(now + remaining * 1_000_000_000L);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Waits (bounded by 30 s) until etcd shows the leader's lease just renewed (its end moved forward
   * by more than a second since the previous read), then runs {@code fault} at once. Returns the
   * lease's end as measured right after that renewal, a lower bound that holds unless another
   * renewal lands before the fault takes effect: the fault must take well under a renewal period
   * (loop_wait plus a tick).
   */
  long rightAfterARenewal(Runnable fault) {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    long previous = 0;
    while (System.nanoTime() < until) {
      Optional<Long> end = leaseEndsAtTheEarliestNanos();
      if (end.isPresent() && previous != 0 && end.get() > previous + 1_000_000_000L) {
        fault.run();
        return end.get();
      }
      previous = Math.max(previous, end.orElse(0L));
    }
    throw new AssertionError("no renewal of the leader's lease seen within 30 s\n" + transcript());
  }

  /**
   * A shell started now that sends SIGSTOP to every etcd member the moment the returned action
   * runs (starting a process takes most of a second on this machine; writing a line takes none).
   */
  Runnable etcdFreezer() {
    String pids = String.join(" ", List.of(0, 1, 2).stream().map(i -> Long.toString(etcd.pid(i))).toList());
    Process sh;
    try {
      sh = new ProcessBuilder("sh", "-c", "read go && kill -STOP " + pids).redirectErrorStream(true).start();
      helpers.add(sh);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return () -> {
      try {
        sh.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        sh.getOutputStream().flush();
        if (!sh.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || sh.exitValue() != 0) {
          sh.destroyForcibly();
          throw new AssertionError("kill -STOP " + pids + " failed");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    };
  }

  /** The moment (monotonic) the node first answers as not writable, polled every 100 ms; empty on timeout. */
  Optional<Long> awaitNotWritable(ClusterNode node, Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < until) {
      if (!writable(node)) {
        return Optional.of(System.nanoTime());
      }
      Psql.sleep(100);
    }
    return Optional.empty();
  }

  /**
   * Polls every 200 ms for {@code period} that none of {@code nodes} becomes writable; fails
   * naming the node and when.
   */
  void assertNoneWritableFor(List<ClusterNode> nodes, Duration period, String why) {
    long start = System.nanoTime();
    long until = start + period.toNanos();
    while (System.nanoTime() < until) {
      for (ClusterNode n : nodes) {
        if (writable(n)) {
          throw new AssertionError(why + ": " + n.name() + " is writable " + (System.nanoTime() - start) / 1_000_000
              + " ms into the " + period.toSeconds() + " s\n" + transcript());
        }
      }
      Psql.sleep(200);
    }
  }

  /** The node's WAL position in bytes: the current LSN on a primary, the furthest received or replayed on a replica. */
  long lsn(ClusterNode node) {
    return Long.parseLong(cluster.psql(node, "select (case when pg_is_in_recovery() then greatest("
        + "coalesce(pg_last_wal_receive_lsn(), '0/0'), coalesce(pg_last_wal_replay_lsn(), '0/0'))"
        + " else pg_current_wal_lsn() end - '0/0')::bigint"));
  }

  /** The {@code lsn} of a status key's JSON value ({@code {"lsn": 123}}), 0 when it has none. */
  static long lsnOf(String statusJson) {
    try {
      return JSON.readTree(statusJson).path("lsn").asLong(0);
    } catch (IOException e) {
      return 0;
    }
  }

  /** The nodes other than {@code node}, in node order. */
  List<ClusterNode> others(ClusterNode node) {
    return cluster.nodes().stream().filter(n -> n != node).toList();
  }

  /** True once {@code condition} holds, polled every 200 ms until {@code timeout}. */
  static boolean await(BooleanSupplier condition, Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() > until) {
        return false;
      }
      Psql.sleep(200);
    }
  }

  /**
   * Waits (bounded) until the cluster is healthy again: exactly one writable server, the holder of
   * the leader key, streaming to both others ({@code replay_lsn} set), whose WAL receivers say
   * {@code streaming}, and whose member keys in etcd say so (a switchover asked before a member's
   * daemon republished its key after its server started is refused: "member key says its server
   * does not run"). Returns the primary; fails with the daemons' logs.
   */
  ClusterNode awaitHealthy(Duration timeout) {
    ClusterNode[] primary = new ClusterNode[1];
    String[] seen = {""};
    boolean healthy = await(() -> {
      List<ClusterNode> w = writableNodes();
      if (w.size() != 1) {
        seen[0] = "writable: " + w.stream().map(ClusterNode::name).toList();
        return false;
      }
      ClusterNode p = w.get(0);
      String others = cluster.nodes().stream().filter(n -> n != p).map(ClusterNode::name).sorted()
          .collect(Collectors.joining(","));
      ProcessResult streaming = cluster.tryPsql(p, Cluster.streamingReplicasSql());
      Optional<String> leader = leader();
      seen[0] = p.name() + " writable, streams to [" + streaming.stdout().trim() + "], leader key " + leader;
      if (streaming.exitCode() != 0 || !streaming.stdout().trim().equals(others) || !leader.equals(Optional.of(p.name()))) {
        return false;
      }
      for (ClusterNode r : cluster.nodes()) {
        if (r != p && !cluster.tryPsql(r, "select status from pg_stat_wal_receiver").stdout().trim().equals("streaming")) {
          seen[0] += "; " + r.name() + "'s wal receiver not streaming";
          return false;
        }
      }
      for (ClusterNode n : cluster.nodes()) {
        String role = memberRole(n);
        String expected = n == p ? "primary" : "replica";
        if (!role.equals(expected)) {
          seen[0] += "; " + n.name() + "'s member key says " + role + ", not " + expected;
          return false;
        }
      }
      primary[0] = p;
      return true;
    }, timeout);
    if (!healthy) {
      throw new AssertionError("the cluster is not healthy within " + timeout.toSeconds() + " s (one writable"
          + " leader streaming to both others): " + seen[0] + "\n" + transcript());
    }
    return primary[0];
  }

  /** Every value of the writer's table on the node (over its socket). */
  Set<Long> rows(ClusterNode node) {
    return RoleChecks.rows(cluster, node, TABLE);
  }

  /**
   * The acknowledged values missing on {@code primary} (reads its table). The writer may still be
   * running: the acknowledged set is copied before the table is read, so an insert the new primary
   * acknowledges between the two is not counted as lost (each copied value was committed before the
   * read began). Has no side effects on the cluster.
   */
  NavigableSet<Long> lost(Writer writer, ClusterNode primary) {
    return lost(writer::acknowledged, () -> rows(primary));
  }

  /** {@link #lost(Writer, ClusterNode)}'s order: the acknowledged ids copied first, then the table read. */
  static NavigableSet<Long> lost(java.util.function.Supplier<NavigableSet<Long>> acknowledged,
      java.util.function.Supplier<Set<Long>> table) {
    NavigableSet<Long> lost = acknowledged.get();
    lost.removeAll(table.get());
    return lost;
  }

  /**
   * Stops the watch and the writer, prints the poll histogram and the rows lost on {@code
   * primary}, and asserts that no poll saw two writable servers. Returns the lost values.
   */
  NavigableSet<Long> finish(String scenario, WritableWatch watch, Writer writer, ClusterNode primary) {
    writer.close();
    NavigableSet<Long> lost = lost(writer, primary);
    System.out.printf("%s: %d acknowledged, %d lost on %s%s; %d refusals%n", scenario, writer.acknowledged().size(),
        lost.size(), primary.name(), lost.isEmpty() ? "" : " " + RoleChecks.missing(lost, Set.of()), writer.refusals());
    assertNeverTwoWritable(scenario, watch);
    return lost;
  }

  /** Stops the watch, prints how many polls saw which nodes writable, and asserts no poll saw two. */
  void assertNeverTwoWritable(String scenario, WritableWatch watch) {
    watch.close();
    System.out.printf("%s: writable per poll %s over %d polls%n", scenario, watch.histogram(), watch.polls());
    assertThat(watch.twoWritable()).as("%s: polls (of %d) with two writable\n%s", scenario, watch.polls(), transcript())
        .isEmpty();
  }

  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    helpers.forEach(Process::destroyForcibly);
    for (ClusterNode n : daemons.keySet()) {
      try {
        killDaemon(n);
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    try {
      etcd.close();
    } catch (RuntimeException e) {
      failures.add(e);
    }
    try {
      cluster.close();
    } catch (RuntimeException e) {
      failures.add(e);
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }
}
