package io.pgconverge.it;

import io.pgconverge.etcd.EtcdClient;
import io.pgconverge.etcd.EtcdException;
import io.pgconverge.etcd.EtcdSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Three etcd members (Debian's /usr/bin/etcd, 3.4) as child processes of the test: each with its
 * own data directory under a temporary directory, client and peer ports from free ports on
 * 127.0.0.1, its own name, and a cluster token unique to this run. etcd 3.4 runs as root (checked:
 * it does not refuse), so no user switch is needed. Faults: {@link #freeze} / {@link #thaw}
 * (SIGSTOP / SIGCONT), {@link #kill}, {@link #restart}. {@link #close()} ends every member it
 * started by PID and deletes the directory, also after a failed test.
 */
public final class EtcdCluster implements AutoCloseable {
  private static final Path ETCD = Path.of("/usr/bin/etcd");
  private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(30);

  private final Path dir;
  /** Set when the members run inside a lab host's network namespace ({@link #startIn}); null: the root namespace, 127.0.0.1. */
  private final NetnsLab lab;
  private final int host;
  private final String token = "pgconverge-it-" + UUID.randomUUID();
  private final List<Member> members = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(1)).build();

  private static final class Member {
    final String name;
    final int clientPort;
    final int peerPort;
    Process process;
    boolean frozen;

    Member(String name, int clientPort, int peerPort) {
      this.name = name;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
    }
  }

  private final TestCertificates certs; // null: plain HTTP
  private TestCertificates.Pair clientCert;
  private TestCertificates.Pair clientCertWithCommonName;

  private EtcdCluster(Path dir, boolean tls) {
    this(dir, tls, null, 0);
  }

  private EtcdCluster(Path dir, boolean tls, NetnsLab lab, int host) {
    this.dir = dir;
    this.lab = lab;
    this.host = host;
    this.certs = tls ? TestCertificates.authority(dir.resolve("tls")) : null;
  }

  /** Starts three members serving plain HTTP and returns once every one is healthy (bounded). */
  public static EtcdCluster start() throws IOException {
    return start(false);
  }

  /**
   * Starts three members whose client URLs are HTTPS with certificates from a throw-away CA and
   * that require a client certificate ({@link #clientTls()}); peers talk plain HTTP.
   */
  public static EtcdCluster startTls() throws IOException {
    return start(true);
  }

  private static EtcdCluster start(boolean tls) throws IOException {
    if (!Files.isExecutable(ETCD)) {
      throw new IllegalStateException(ETCD + " missing: install Debian's etcd-server (see .ci/run)");
    }
    EtcdCluster c = new EtcdCluster(Files.createTempDirectory("pgconverge-etcd-"), tls);
    try {
      List<Integer> ports = TestHost.distinctFreePorts(6);
      for (int i = 1; i <= 3; i++) {
        c.members.add(new Member("etcd" + i, ports.get(2 * i - 2), ports.get(2 * i - 1)));
      }
      if (tls) {
        c.clientCert = c.certs.clientWithoutCommonName("pgconverge");
        c.clientCertWithCommonName = c.certs.client("pgconverge-cn");
      }
      return c.launchAll();
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /**
   * Starts three members serving plain HTTP inside lab host {@code host}'s network namespace (an
   * outsider of a {@link Cluster}: {@code Cluster.create(nodes, 1)} and {@code
   * cluster.outsiderHost(1)}), listening on that host's address, so that daemons running inside
   * the nodes' namespaces reach them. Each member is {@code ip netns exec <ns> /usr/bin/etcd ...}
   * (ip execs: the PID is etcd's, so freeze, kill and close still work by PID). The namespace is
   * new, so fixed ports (2379-2381 client, 2480-2482 peer) are free in it. The test JVM never
   * connects to the namespace's address: health and {@link #etcdctl} run inside the namespace.
   */
  public static EtcdCluster startIn(NetnsLab lab, int host) throws IOException {
    if (!Files.isExecutable(ETCD)) {
      throw new IllegalStateException(ETCD + " missing: install Debian's etcd-server (see .ci/run)");
    }
    if (!lab.isolated()) {
      throw new IllegalStateException("etcd in a namespace needs an isolated lab: " + lab.fallbackReason().orElse(""));
    }
    EtcdCluster c = new EtcdCluster(Files.createTempDirectory("pgconverge-etcd-"), false, lab, host);
    try {
      for (int i = 1; i <= 3; i++) {
        c.members.add(new Member("etcd" + i, 2378 + i, 2479 + i));
      }
      return c.launchAll();
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** The address the members listen on: the lab host's, or 127.0.0.1. */
  private String address() {
    return lab == null ? "127.0.0.1" : lab.address(host);
  }

  /**
   * Runs {@code etcdctl --endpoints <all> args} (v3 API) where the members are: inside their
   * namespace, or in the root namespace for loopback members; bounded by 20 s. Needs Debian's
   * etcd-client.
   */
  public ProcessResult etcdctl(String... args) {
    List<String> argv = new ArrayList<>(List.of("/usr/bin/etcdctl", "--endpoints",
        String.join(",", endpoints().stream().map(URI::toString).toList()), "--command-timeout=5s"));
    argv.addAll(List.of(args));
    return Processes.run(lab == null ? argv : lab.command(host, argv), java.util.Map.of("ETCDCTL_API", "3"), Duration.ofSeconds(20));
  }

  /** The value of {@code key} as etcdctl reads it (linearizable), empty when there is none. */
  public Optional<String> value(String key) {
    ProcessResult r = etcdctl("get", "--print-value-only", key);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("etcdctl get " + key + " failed: " + r);
    }
    String v = r.stdout().strip();
    return v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  /** Launches the three members as a new cluster and waits until every one is healthy. */
  private EtcdCluster launchAll() throws IOException {
    for (int i = 0; i < 3; i++) {
      launch(i, "new");
    }
    awaitHealthy(List.of(0, 1, 2));
    return this;
  }

  private void launch(int i, String state) throws IOException {
    Member m = members.get(i);
    String a = address();
    String initialCluster = String.join(",",
        members.stream().map(x -> x.name + "=http://" + a + ":" + x.peerPort).toList());
    List<String> cmd = new ArrayList<>(List.of(ETCD.toString(),
        "--name", m.name,
        "--data-dir", dir.resolve(m.name).toString(),
        "--listen-client-urls", scheme() + "://" + a + ":" + m.clientPort,
        "--advertise-client-urls", scheme() + "://" + a + ":" + m.clientPort,
        "--listen-peer-urls", "http://" + a + ":" + m.peerPort,
        "--initial-advertise-peer-urls", "http://" + a + ":" + m.peerPort,
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", state,
        "--initial-cluster-token", token,
        "--heartbeat-interval", "100",
        "--election-timeout", "1000",
        "--logger", "zap",
        "--log-outputs", "stderr"));
    if (certs != null) {
      TestCertificates.Pair own = certs.etcdMember(m.name, "127.0.0.1");
      cmd.addAll(List.of("--cert-file", own.certFile().toString(), "--key-file", own.keyFile().toString(),
          "--trusted-ca-file", own.caFile().toString(), "--client-cert-auth"));
    }
    Path log = dir.resolve(m.name + ".log");
    m.process = new ProcessBuilder(lab == null ? cmd : lab.command(host, cmd)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    m.frozen = false;
  }

  private String scheme() {
    return certs == null ? "http" : "https";
  }

  /** The client URLs of all three members, in member order. */
  public List<URI> endpoints() {
    String a = address();
    return members.stream().map(m -> URI.create(scheme() + "://" + a + ":" + m.clientPort)).toList();
  }

  /**
   * For a cluster started by {@link #startTls()}: the CA and a client certificate without a common
   * name, which etcd's gateway accepts also when authentication is on.
   */
  public EtcdSettings.Tls clientTls() {
    return tls(clientCert);
  }

  /** Like {@link #clientTls()} but the certificate has a common name. */
  public EtcdSettings.Tls clientTlsWithCommonName() {
    return tls(clientCertWithCommonName);
  }

  private EtcdSettings.Tls tls(TestCertificates.Pair pair) {
    if (certs == null) {
      throw new IllegalStateException("this etcd cluster serves plain HTTP");
    }
    return new EtcdSettings.Tls(certs.caFile(), Optional.of(pair.certFile()), Optional.of(pair.keyFile()));
  }

  public URI endpoint(int i) {
    return endpoints().get(i);
  }

  public long pid(int i) {
    return members.get(i).process.pid();
  }

  /** SIGSTOP: the member keeps its sockets (connections are accepted by the kernel) but answers nothing. */
  public void freeze(int i) {
    signal(i, "STOP");
    members.get(i).frozen = true;
  }

  public void thaw(int i) {
    signal(i, "CONT");
    members.get(i).frozen = false;
  }

  public void freezeAll() {
    for (int i = 0; i < members.size(); i++) {
      freeze(i);
    }
  }

  public void thawAll() {
    for (int i = 0; i < members.size(); i++) {
      thaw(i);
    }
  }

  /** SIGKILL of one member; it stays down until {@link #restart}. */
  public void kill(int i) throws InterruptedException {
    Process p = members.get(i).process;
    if (members.get(i).frozen) {
      thaw(i);
    }
    p.destroyForcibly();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("etcd member " + i + " (pid " + p.pid() + ") survived SIGKILL for 10 s");
    }
  }

  /** Starts a killed member again on its data directory and waits until it is healthy. */
  public void restart(int i) throws IOException {
    if (members.get(i).process.isAlive()) {
      throw new IllegalStateException("etcd member " + i + " still runs");
    }
    launch(i, "existing");
    awaitHealthy(List.of(i));
  }

  /** Waits (bounded) until each given member answers {@code /health} with {"health":"true"}. */
  public void awaitHealthy(List<Integer> which) {
    long end = System.nanoTime() + HEALTHY_WITHIN.toNanos();
    for (int i : which) {
      while (!healthy(i)) {
        if (!members.get(i).process.isAlive()) {
          throw new IllegalStateException("etcd member " + members.get(i).name + " exited: " + logTail(i));
        }
        if (System.nanoTime() > end) {
          throw new IllegalStateException("etcd member " + members.get(i).name + " not healthy within "
              + HEALTHY_WITHIN + ": " + logTail(i));
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** The member answers {@code /health} with "true" (over TLS: a linearizable read succeeds). */
  public boolean healthy(int i) {
    if (lab != null) {
      List<String> argv = List.of("/usr/bin/etcdctl", "--endpoints", endpoint(i).toString(), "--command-timeout=2s",
          "endpoint", "health");
      return Processes.run(lab.command(host, argv), java.util.Map.of("ETCDCTL_API", "3"), Duration.ofSeconds(10)).exitCode() == 0;
    }
    if (certs != null) {
      try {
        EtcdClient c = EtcdClient.open(new EtcdSettings(List.of(endpoint(i)), Duration.ofSeconds(1),
            Optional.of(clientTls()), Optional.empty()));
        c.get("/health-probe");
        return true;
      } catch (IOException | EtcdException e) {
        return false;
      }
    }
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(endpoint(i).resolve("/health"))
          .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"true\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public String logTail(int i) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(members.get(i).name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    for (Member m : members) {
      Process p = m.process;
      if (p == null) {
        continue;
      }
      if (p.isAlive()) {
        // A stopped process dies of SIGKILL too; SIGCONT first anyway so nothing is left stopped.
        signalQuietly(p.pid(), "CONT");
        p.destroyForcibly();
      }
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void signal(int i, String sig) {
    Process p = members.get(i).process;
    if (!p.isAlive()) {
      throw new IllegalStateException("etcd member " + i + " is not running");
    }
    ProcessResult r = Processes.run(List.of("kill", "-" + sig, Long.toString(p.pid())), Duration.ofSeconds(5));
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kill -" + sig + " " + p.pid() + " failed: " + r);
    }
    if (sig.equals("STOP")) {
      awaitStopped(p.pid());
    }
  }

  /**
   * Waits (bounded, 5 s) until every thread of {@code pid} is stopped ({@code T} in its {@code
   * /proc/PID/task/TID/stat}): {@code kill -STOP} returns once the signal is sent, and a thread
   * busy in the kernel (an fsync) stops only when it leaves it, so a request sent at once could
   * still be answered by the member meant to be frozen.
   */
  private static void awaitStopped(long pid) {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    java.nio.file.Path tasks = java.nio.file.Path.of("/proc", Long.toString(pid), "task");
    while (System.nanoTime() < until) {
      boolean all = true;
      try (java.util.stream.Stream<java.nio.file.Path> ts = java.nio.file.Files.list(tasks)) {
        for (java.nio.file.Path t : ts.toList()) {
          String stat = java.nio.file.Files.readString(t.resolve("stat"));
          String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
          if (!state.equals("T") && !state.equals("t")) {
            all = false;
            break;
          }
        }
      } catch (IOException | UncheckedIOException e) {
        all = false; // a thread ended while listed: look again
      }
      if (all) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException("etcd pid " + pid + " not stopped 5 s after SIGSTOP");
  }

  private static void signalQuietly(long pid, String sig) {
    try {
      new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      // best effort: SIGKILL follows
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
