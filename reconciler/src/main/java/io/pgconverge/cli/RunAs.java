package io.pgconverge.cli;

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
