package io.pgconverge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.host.ProcessCommands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A three-node cluster on loopback ports under one directory, converged by the same {@code apply}
 * a real host runs (one process per node), then a status table of each node. {@code --stop} stops
 * the servers and removes the directory (only a directory this command made: it carries a marker).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a three-node streaming cluster on loopback ports under a temporary directory (--stop removes it).")
final class Demo implements Callable<Integer> {
  /** Runs the demo's own commands (the nodes' pgconverge runs, chown); none is ever cancelled. */
  private static final Commands COMMANDS = new ProcessCommands();
  static final String MARKER = ".pgconverge-demo";
  static final String[] NODES = {"node1", "node2", "node3"};

  @Option(names = "--stop", description = "stop the demo's servers and remove its directory")
  boolean stop;

  @Option(names = "--dir", paramLabel = "DIR", description = "where the demo lives (default: pgconverge-demo in the temporary directory, /tmp)")
  Path dir = Path.of(System.getProperty("java.io.tmpdir"), "pgconverge-demo");

  @Option(names = "--user", paramLabel = "USER", description = "OS user that runs the servers (default: postgres)")
  String user = "postgres";

  @Option(names = "--bin", paramLabel = "DIR", description = "PostgreSQL server binaries (default: found automatically)")
  Path bin;

  @Override
  public Integer call() throws Exception {
    return stop ? stop() : start();
  }

  private int start() throws Exception {
    if (Files.exists(dir)) {
      System.out.println("pgconverge demo: " + dir + " already exists; remove it with: pgconverge demo --stop");
      return 1;
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(MARKER), "made by pgconverge demo\n");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
    Path password = dir.resolve("replicator.password");
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    Files.writeString(password, HexFormat.of().formatHex(random) + "\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
    int[] ports = freePorts(3);
    for (int i = 0; i < NODES.length; i++) {
      Path nodeDir = dir.resolve(NODES[i]);
      Files.createDirectories(nodeDir);
      Files.writeString(dir.resolve(NODES[i] + ".yaml"), desiredState(i, ports, password));
    }
    if (RunAs.isRoot()) {
      CommandResult chown = COMMANDS.run(List.of("chown", "-R", user + ":", dir.toString()), Duration.ofSeconds(30));
      if (!chown.ok()) {
        System.out.println("pgconverge demo: cannot give " + dir + " to " + user + ": " + chown.tail(2));
        return 4;
      }
    }
    System.out.println("pgconverge demo: three nodes on 127.0.0.1 ports " + ports[0] + ", " + ports[1] + ", " + ports[2]
        + " under " + dir);
    int worst = 0;
    for (String node : NODES) {
      worst = Math.max(worst, apply(node));
    }
    waitForStreaming(Duration.ofSeconds(30));
    for (String node : NODES) {
      System.out.println();
      System.out.println("== " + node + " ==");
      CommandResult status = self(List.of("status", "--config", dir.resolve(node + ".yaml").toString(),
          "--status-file", dir.resolve(node).resolve("status.json").toString()), Duration.ofSeconds(60));
      System.out.print(status.stdout());
    }
    System.out.println();
    System.out.println("Desired-state files: " + dir + "/node{1,2,3}.yaml; logs: " + dir + "/node*.log");
    System.out.println("Try: pgconverge check --config " + dir.resolve("node2.yaml") + "; stop with: pgconverge demo --stop");
    return worst >= 4 ? 4 : 0;
  }

  private int apply(String node) throws IOException {
    Path nodeDir = dir.resolve(node);
    CommandResult r = self(List.of("apply", "--config", dir.resolve(node + ".yaml").toString(),
        "--status-file", nodeDir.resolve("status.json").toString(),
        "--metrics-file", nodeDir.resolve("metrics.prom").toString()), Duration.ofMinutes(5));
    Files.writeString(dir.resolve(node + ".log"), r.stderr() + r.stdout());
    String summary = (r.stderr() + r.stdout()).lines().filter(l -> l.contains("result=")).reduce((a, b) -> b).orElse(r.tail(3));
    System.out.println(node + ": apply exit " + r.exitCode() + ": " + summary.replaceFirst("^.*?(apply run=)", "$1"));
    return r.exitCode() == 2 || r.exitCode() == 0 ? 0 : r.exitCode();
  }

  private void waitForStreaming(Duration max) throws InterruptedException {
    ObjectMapper mapper = new ObjectMapper();
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      CommandResult r = self(List.of("status", "--json", "--config", dir.resolve("node1.yaml").toString()), Duration.ofSeconds(60));
      try {
        JsonNode s = mapper.readTree(r.stdout());
        int streaming = 0;
        for (JsonNode row : s.path("replication")) {
          if (row.path("streaming").asBoolean()) {
            streaming++;
          }
        }
        if (streaming == 2) {
          return;
        }
      } catch (IOException e) {
        // not yet answering: try again
      }
      Thread.sleep(300);
    }
  }

  private static CommandResult self(List<String> args, Duration timeout) {
    List<String> argv = new ArrayList<>(RunAs.selfCommand());
    argv.addAll(args);
    return COMMANDS.run(argv, timeout);
  }

  private String desiredState(int index, int[] ports, Path password) {
    StringBuilder peers = new StringBuilder();
    for (int i = 0; i < NODES.length; i++) {
      peers.append("  - {name: ").append(NODES[i]).append(", host: 127.0.0.1, port: ").append(ports[i])
          .append(", role: ").append(i == 0 ? "primary" : "replica").append("}\n");
    }
    Path nodeDir = dir.resolve(NODES[index]);
    return "# pgconverge demo: node " + NODES[index] + " of a three-node cluster on loopback\n"
        + "version: 1\n"
        + "cluster: demo\n"
        + "self: " + NODES[index] + "\n"
        + "peers:\n" + peers
        + "postgres:\n"
        + (bin == null ? "" : "  bin: " + bin + "\n")
        + "  data: " + nodeDir.resolve("data") + "\n"
        + "  socket_directory: " + nodeDir + "\n"
        + "  user: " + user + "\n"
        + "  settings:\n"
        + "    listen_addresses: '127.0.0.1'\n"
        + "    wal_level: replica\n"
        + "    wal_log_hints: 'on'\n"
        + "    max_wal_senders: 10\n"
        + "    max_replication_slots: 10\n"
        + "    max_slot_wal_keep_size: 1GB\n"
        + "    hot_standby: 'on'\n"
        + "    shared_buffers: 32MB\n"
        + "  hba:\n"
        + "    - local all " + user + " peer\n"
        + "    - local all all peer\n"
        + "    - host replication replicator peers scram-sha-256\n"
        + "roles:\n"
        + "  - {name: replicator, login: true, replication: true, password_file: " + password + "}\n"
        + "replication: {user: replicator, password_file: " + password + ", slots: true}\n"
        + "policy: {restart: always}\n";
  }

  private int stop() throws IOException {
    if (!Files.exists(dir.resolve(MARKER))) {
      System.out.println("pgconverge demo: no demo at " + dir + " (no " + MARKER + " marker); nothing stopped or removed");
      return Files.exists(dir) ? 1 : 0;
    }
    for (String node : NODES) {
      Path data = dir.resolve(node).resolve("data");
      if (Files.exists(data.resolve("postmaster.pid"))) {
        Path pgCtl = findPgCtl(data);
        List<String> argv = new ArrayList<>();
        if (RunAs.isRoot()) {
          argv.addAll(List.of("runuser", "-u", user, "--"));
        }
        argv.addAll(List.of(pgCtl.toString(), "stop", "-D", data.toString(), "-m", "fast", "-w", "-t", "60"));
        CommandResult r = COMMANDS.run(argv, Duration.ofSeconds(90));
        System.out.println(node + ": " + (r.ok() ? "stopped" : "stop failed: " + r.tail(2)));
      }
    }
    deleteTree(dir);
    System.out.println("pgconverge demo: removed " + dir);
    return 0;
  }

  private Path findPgCtl(Path data) throws IOException {
    if (bin != null) {
      return bin.resolve("pg_ctl");
    }
    String version = Files.readString(data.resolve("PG_VERSION")).strip();
    for (Path candidate : List.of(Path.of("/usr/lib/postgresql", version, "bin"), Path.of("/usr/pgsql-" + version, "bin"))) {
      if (Files.isExecutable(candidate.resolve("pg_ctl"))) {
        return candidate.resolve("pg_ctl");
      }
    }
    return Path.of("pg_ctl");
  }

  private static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
