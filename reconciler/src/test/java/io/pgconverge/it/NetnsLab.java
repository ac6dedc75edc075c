package io.pgconverge.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small private network of test hosts, each in a network namespace of its own with its own
 * address, all joined by a bridge that lives in one more namespace (the recipe of
 * {@code shared/docs/testing.md}). No test address exists in the root namespace, so no packet
 * can leave the machine.
 *
 * <p>Creation, step by step:
 *
 * <ol>
 *   <li>Pick a run id (6 random hex digits) and a subnet {@code 10.231.<k>.0/24}, k random in
 *       1..254. Namespaces are called {@code pgc-<id>-br} and {@code pgc-<id>-h<i>}, so parallel
 *       runs never share one; they may share k, which is harmless since every run has its own
 *       bridge.
 *   <li>Make the bridge namespace with {@code br0}; for host i make its namespace, a veth pair
 *       {@code v<i>} (on the bridge) / {@code eth0} (in the host), address {@code 10.231.k.i/24},
 *       and bring {@code lo} and {@code eth0} up.
 *   <li>When any of that fails (no root, no {@code ip}, a kernel without namespaces, or
 *       {@code -Dpgconverge.it.netns=false}), undo what was made and fall back to loopback: every
 *       host has address 127.0.0.1, commands run in the root namespace, and the reason is printed
 *       to stdout as {@code network namespaces unavailable: <reason>; falling back to loopback
 *       ports}.
 * </ol>
 *
 * <p>Hosts are numbered from 1. {@link #close()} kills whatever still runs inside a host
 * namespace (only this lab's processes can be there) and deletes every namespace; it is safe to
 * call twice.
 *
 * <p>Never connect from the test JVM to a host's address: in the root namespace that address is
 * routed off the machine. Run the client inside a namespace with {@link #exec}, or use a Unix
 * socket.
 */
public final class NetnsLab implements AutoCloseable {
  /** How long one {@code ip} command may take. */
  private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);
  /** The default bound of {@link #exec(int, String...)}. */
  public static final Duration EXEC_TIMEOUT = Duration.ofSeconds(60);

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Path NETNS_DIR = Paths.get("/run/netns");

  private final String runId;
  private final int subnet;
  private final int hosts;
  private final boolean isolated;
  private final String fallbackReason;
  private final List<String> made = new ArrayList<>();
  private boolean closed;

  private NetnsLab(String runId, int subnet, int hosts, boolean isolated, String fallbackReason) {
    this.runId = runId;
    this.subnet = subnet;
    this.hosts = hosts;
    this.isolated = isolated;
    this.fallbackReason = fallbackReason;
  }

  /**
   * Makes {@code hosts} hosts on a fresh private network, or a loopback lab (see the class
   * comment) when namespaces cannot be made. Never throws for want of namespaces.
   */
  public static NetnsLab create(int hosts) {
    if (hosts < 1 || hosts > 250) {
      throw new IllegalArgumentException("hosts must be 1-250, got " + hosts);
    }
    byte[] b = new byte[3];
    RANDOM.nextBytes(b);
    String runId = HexFormat.of().formatHex(b);
    int subnet = 1 + RANDOM.nextInt(254);
    if (!Boolean.parseBoolean(System.getProperty("pgconverge.it.netns", "true"))) {
      return fallback(runId, subnet, hosts, "disabled by -Dpgconverge.it.netns=false");
    }
    if (!PostgresUser.testsRunAsRoot()) {
      return fallback(runId, subnet, hosts, "the tests do not run as root");
    }
    NetnsLab lab = new NetnsLab(runId, subnet, hosts, true, null);
    try {
      lab.build();
      lab.closeOnExit();
      return lab;
    } catch (RuntimeException | AssertionError e) {
      try {
        lab.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      return fallback(runId, subnet, hosts, reason.replaceAll("\\s+", " ").trim());
    }
  }

  private static NetnsLab fallback(String runId, int subnet, int hosts, String reason) {
    System.out.println(
        "network namespaces unavailable: " + reason + "; falling back to loopback ports");
    return new NetnsLab(runId, subnet, hosts, false, reason);
  }

  private void build() {
    String br = bridgeNamespace();
    ip("netns", "add", br);
    made.add(br);
    ip("-n", br, "link", "set", "lo", "up");
    ip("-n", br, "link", "add", "br0", "type", "bridge");
    ip("-n", br, "link", "set", "br0", "up");
    for (int i = 1; i <= hosts; i++) {
      String ns = namespace(i).orElseThrow();
      ip("netns", "add", ns);
      made.add(ns);
      ip("-n", ns, "link", "set", "lo", "up");
      ip("-n", br, "link", "add", "v" + i, "type", "veth", "peer", "name", "eth0", "netns", ns);
      ip("-n", br, "link", "set", "v" + i, "master", "br0");
      ip("-n", br, "link", "set", "v" + i, "up");
      ip("-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
    }
  }

  /**
   * A test JVM that ends without closing the lab (a failsafe timeout, Ctrl-C: anything but
   * SIGKILL) still kills the processes in its namespaces and deletes them.
   */
  private void closeOnExit() {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        close();
      } catch (RuntimeException e) {
        System.err.println("could not remove the namespaces of " + this + ": " + e.getMessage());
      }
    }, "netns-lab-" + runId));
  }

  private static void ip(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add("ip");
    argv.addAll(List.of(args));
    ProcessResult r;
    try {
      r = Processes.run(argv, IP_TIMEOUT);
    } catch (java.io.UncheckedIOException e) {
      throw new IllegalStateException("cannot run ip: " + e.getCause().getMessage(), e);
    }
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          "`" + String.join(" ", argv) + "` failed: " + r.output().trim());
    }
  }

  /** True when hosts really have their own namespaces and addresses; false in loopback mode. */
  public boolean isolated() {
    return isolated;
  }

  /** Why the lab fell back to loopback, or empty. */
  public Optional<String> fallbackReason() {
    return Optional.ofNullable(fallbackReason);
  }

  /** 6 hex digits naming this run; also useful for unique directory names. */
  public String runId() {
    return runId;
  }

  public int hosts() {
    return hosts;
  }

  /** {@code 10.231.<k>.0/24}, the lab's network (meaningful only when {@link #isolated()}). */
  public String subnet() {
    return "10.231." + subnet + ".0/24";
  }

  /** Host {@code i}'s address: {@code 10.231.<k>.<i>}, or 127.0.0.1 in loopback mode. */
  public String address(int i) {
    checkHost(i);
    return isolated ? "10.231." + subnet + "." + i : "127.0.0.1";
  }

  /** Host {@code i}'s namespace name ({@code pgc-<id>-h<i>}), empty in loopback mode. */
  public Optional<String> namespace(int i) {
    checkHost(i);
    return isolated ? Optional.of("pgc-" + runId + "-h" + i) : Optional.empty();
  }

  private String bridgeNamespace() {
    return "pgc-" + runId + "-br";
  }

  /** Every namespace this lab made (bridge first). Has no side effects. */
  public List<String> namespaces() {
    return List.copyOf(made);
  }

  /**
   * {@code argv} as it must be run to execute inside host {@code i}'s namespace: prefixed with
   * {@code ip netns exec <ns>} (which execs, so the process id stays that of argv[0]); unchanged
   * in loopback mode. Has no side effects.
   */
  public List<String> command(int i, List<String> argv) {
    Optional<String> ns = namespace(i);
    if (ns.isEmpty()) {
      return List.copyOf(argv);
    }
    List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", ns.get()));
    wrapped.addAll(argv);
    return wrapped;
  }

  /** Runs {@code argv} inside host {@code i}, bounded by {@link #EXEC_TIMEOUT}. */
  public ProcessResult exec(int i, String... argv) {
    return exec(i, List.of(argv), Map.of(), EXEC_TIMEOUT);
  }

  /** Runs {@code argv} inside host {@code i} with {@code extraEnv}, bounded by {@code timeout}. */
  public ProcessResult exec(
      int i, List<String> argv, Map<String, String> extraEnv, Duration timeout) {
    return Processes.run(command(i, argv), extraEnv, timeout);
  }

  /**
   * The inode that identifies host {@code i}'s network namespace (what {@code
   * /proc/<pid>/ns/net} links to as {@code net:[<inode>]}), empty in loopback mode.
   */
  public Optional<String> namespaceInode(int i) {
    return namespace(i).flatMap(NetnsLab::inodeOf);
  }

  private static Optional<String> inodeOf(String ns) {
    try {
      return Optional.of(Files.getAttribute(NETNS_DIR.resolve(ns), "unix:ino").toString());
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Process ids of everything now running inside host {@code i}'s namespace. */
  public List<Long> processesIn(int i) {
    return namespace(i).map(NetnsLab::processesInNamespace).orElse(List.of());
  }

  private static List<Long> processesInNamespace(String ns) {
    Optional<String> inode = inodeOf(ns);
    if (inode.isEmpty()) {
      return List.of();
    }
    String link = "net:[" + inode.get() + "]";
    List<Long> pids = new ArrayList<>();
    ProcessHandle.allProcesses().forEach(p -> {
      try {
        Path target = Files.readSymbolicLink(Paths.get("/proc", Long.toString(p.pid()), "ns", "net"));
        if (target.toString().equals(link)) {
          pids.add(p.pid());
        }
      } catch (IOException | UnsupportedOperationException e) {
        // gone, or not ours to read
      }
    });
    return pids;
  }

  /**
   * Kills (SIGKILL) every process still inside the lab's namespaces, then deletes the
   * namespaces. Idempotent; collects failures and throws the first one at the end, after trying
   * everything.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException first = null;
    List<String> reversed = new ArrayList<>(made);
    java.util.Collections.reverse(reversed);
    for (String ns : reversed) {
      for (int attempt = 0; attempt < 50; attempt++) {
        List<Long> pids = processesInNamespace(ns);
        if (pids.isEmpty()) {
          break;
        }
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        Psql.sleep(100);
      }
    }
    for (String ns : reversed) {
      try {
        ip("netns", "del", ns);
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    made.clear();
    if (first != null) {
      throw first;
    }
  }

  private void checkHost(int i) {
    if (i < 1 || i > hosts) {
      throw new IllegalArgumentException("host " + i + " is not in 1.." + hosts);
    }
  }

  @Override
  public String toString() {
    return isolated
        ? "NetnsLab[" + runId + ", " + hosts + " hosts on " + subnet() + "]"
        : "NetnsLab[" + runId + ", loopback: " + fallbackReason + "]";
  }
}
