package io.pgconverge.cli;

import io.pgconverge.desired.RunAsUser;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Started as root, pgconverge re-executes itself as {@code postgres.user} before it touches
 * anything, as daemons that drop privileges do: then every file it writes and every connection
 * it makes belongs to that user, on one code path.
 */
final class RunAs {
  static final String MARKER = "PGCONVERGE_REEXEC";

  private RunAs() {}

  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[1].equals("0");
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "root".equals(System.getProperty("user.name"));
  }

  /**
   * Passes SIGTERM and SIGHUP on to the re-executed JVM itself, not to runuser: runuser would pass
   * SIGTERM on too, but kills its child two seconds later, too soon for a daemon to stop cleanly.
   * On SIGTERM this JVM waits for the child to exit (bounded) before it exits.
   */
  private static void forwardSignals(Process runuser) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (!runuser.isAlive()) {
        return;
      }
      innerJvm(runuser).ifPresentOrElse(ProcessHandle::destroy, runuser::destroy);
      try {
        runuser.waitFor(35, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "pgconverge-forward-term"));
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> innerJvm(runuser).ifPresent(h -> {
        try {
          new ProcessBuilder("kill", "-HUP", Long.toString(h.pid())).inheritIO().start().waitFor();
        } catch (IOException | InterruptedException e) {
          // nothing to forward to
        }
      }));
    } catch (IllegalArgumentException e) {
      // SIGHUP not available: only the file watch then
    }
  }

  /** The java process runuser started (its direct child). */
  private static java.util.Optional<ProcessHandle> innerJvm(Process runuser) {
    return runuser.children().findFirst();
  }

  /** The commands that re-execute as postgres.user and whose user the desired-state file alone decides. */
  private static final java.util.Set<String> EARLY_COMMANDS = java.util.Set.of("apply", "check", "daemon");

  /**
   * Started as root with {@code apply}, {@code check} or {@code daemon}: re-executes as the desired
   * state's {@code postgres.user} at once, before the command line, logging or the desired state
   * are set up in this JVM, and returns the exit code of that run; the user's JVM then does all of
   * it, validation included (the same messages, the same exit codes). Empty, and nothing done, when
   * not root, already re-executed, for any other command, for help or version, or when the file's
   * user is not unambiguous ({@link RunAsUser}): then the command runs as before and decides.
   */
  static java.util.OptionalInt beforeStart(String[] args) throws IOException, InterruptedException {
    if (args.length == 0 || !EARLY_COMMANDS.contains(args[0]) || System.getenv(MARKER) != null) {
      return java.util.OptionalInt.empty();
    }
    java.util.Optional<Path> config = configOf(args);
    if (config.isEmpty() || !isRoot()) {
      return java.util.OptionalInt.empty();
    }
    byte[] before = readOrEmpty(config.get());
    java.util.Optional<String> user = RunAsUser.of(config.get().toAbsolutePath());
    if (user.isEmpty()) {
      return java.util.OptionalInt.empty();
    }
    if (!args[0].equals("daemon") && java.util.Arrays.equals(before, readOrEmpty(config.get()))) {
      remember(before, user.get());
    }
    return java.util.OptionalInt.of(reexec(user.get(), args));
  }

  /** The desired-state file the command line names (the default without --config); empty for help or version. */
  private static java.util.Optional<Path> configOf(String[] args) {
    Path config = Path.of(Main.DEFAULT_CONFIG);
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (List.of("-h", "--help", "-V", "--version").contains(a)) {
        return java.util.Optional.empty();
      }
      if (a.equals("--config") && i + 1 < args.length) {
        config = Path.of(args[++i]);
      } else if (a.startsWith("--config=")) {
        config = Path.of(a.substring("--config=".length()));
      }
    }
    return java.util.Optional.of(config);
  }

  /** The value of {@link #MARKER} the launcher sets when it switched user itself, before Java started. */
  static final String FROM_LAUNCHER = "launcher";

  /**
   * The file (named by the launcher, {@code PGCONVERGE_RUN_AS_CACHE}) in which a root run of check or
   * apply remembers the user the desired state names: one line per file content, the SHA-256 of
   * its bytes and the user. The launcher, started as root again with a file of the same bytes,
   * switches to that user itself (setpriv) before Java starts, instead of this JVM starting a
   * second one; it trusts the file only when root owns it and its directory and nobody else can
   * write either. Written only when the launcher asked for it; never changed when the line is
   * already there (no mtime change on a converged host).
   */
  private static void remember(byte[] content, String user) {
    String cache = System.getenv("PGCONVERGE_RUN_AS_CACHE");
    if (cache == null || cache.isEmpty() || content.length == 0) {
      return;
    }
    try {
      Path file = Path.of(cache);
      if (!Files.isDirectory(file.getParent())) {
        return;
      }
      String line = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content)) + " " + user;
      List<String> lines = new ArrayList<>(Files.exists(file) ? Files.readAllLines(file) : List.of());
      if (lines.contains(line)) {
        return;
      }
      lines.removeIf(l -> l.startsWith(line.substring(0, 64)));
      lines.add(line);
      List<String> kept = lines.subList(Math.max(0, lines.size() - 16), lines.size());
      Path tmp = Files.createTempFile(file.getParent(), ".run-as-", ".tmp");
      try {
        Files.write(tmp, kept);
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException | java.security.NoSuchAlgorithmException | RuntimeException e) {
      // no cache: the next run as root re-executes again, as without one
    }
  }

  private static byte[] readOrEmpty(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException | RuntimeException e) {
      return new byte[0];
    }
  }

  /**
   * Started by the launcher as the user its cache named ({@link #remember}): refuses to go on (exit
   * 1) unless the desired state names this very user now, so that a file changed between the
   * launcher's look and this JVM's, or a cache that lies, never makes a run as the wrong user.
   */
  static void checkLauncherSwitch(String[] args) {
    if (!FROM_LAUNCHER.equals(System.getenv(MARKER)) || args.length == 0 || !EARLY_COMMANDS.contains(args[0])) {
      return;
    }
    java.util.Optional<Path> config = configOf(args);
    if (config.isEmpty()) {
      return;
    }
    String self = System.getProperty("user.name");
    java.util.Optional<String> user = RunAsUser.of(config.get().toAbsolutePath());
    if (!user.equals(java.util.Optional.of(self))) {
      System.err.println("pgconverge: started as " + self + ", but " + config.get() + " names postgres.user "
          + user.orElse("(unclear)") + " now; nothing done, run it again");
      System.exit(1);
    }
  }

  /** Runs this same command as {@code user} and returns its exit code. */
  static int reexec(String user, String[] args) throws IOException, InterruptedException {
    if (System.getenv(MARKER) != null) {
      throw new IllegalStateException("re-executed as " + user + " but still root");
    }
    List<String> argv = new ArrayList<>(List.of("runuser", "-u", user, "--"));
    argv.addAll(selfCommand());
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
    pb.environment().put(MARKER, "1");
    Process p = pb.start();
    forwardSignals(p);
    return p.waitFor();
  }

  /** The java command line that starts this same program again (JVM options and class path included). */
  static List<String> selfCommand() {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> argv = new ArrayList<>(List.of(javaBin));
    for (String jvmArg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!jvmArg.startsWith("-agentlib:jdwp")) {
        argv.add(jvmArg);
      }
    }
    argv.add("-cp");
    List<String> cp = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      cp.add(Path.of(entry).toAbsolutePath().toString());
    }
    argv.add(String.join(java.io.File.pathSeparator, cp));
    argv.add(Main.class.getName());
    return argv;
  }
}
