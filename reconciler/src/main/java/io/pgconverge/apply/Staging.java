package io.pgconverge.apply;

import io.pgconverge.host.Commands;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The staging directory beside PGDATA where a new cluster is built ({@code .<name>.pgconverge-new}).
 * Only a directory of exactly that name, made by pgconverge, is ever deleted; PGDATA never is.
 */
public final class Staging {
  private Staging() {}

  public static Path beside(Path data) {
    return data.toAbsolutePath().getParent().resolve("." + data.getFileName() + ".pgconverge-new");
  }

  /** Where the PID of a running initdb or pg_basebackup into the staging directory is kept. */
  public static Path pidFile(Path data) {
    return data.toAbsolutePath().getParent().resolve("." + data.getFileName() + ".pgconverge-new.pid");
  }

  /** Where initdb or pg_basebackup ({@code what}) writes its output while it runs. */
  public static Path outputFile(Path data, String what) {
    return data.toAbsolutePath().getParent().resolve("." + data.getFileName() + ".pgconverge-" + what + ".log");
  }

  /**
   * Removes what an interrupted bootstrap left: an initdb or pg_basebackup still running (its whole
   * process group is killed: pg_basebackup's WAL-streaming child, initdb's postgres would otherwise
   * live on and write into a new staging directory) and the staging directory.
   * Returns true when there was anything.
   */
  public static boolean removeLeftover(Commands commands, Path data) throws IOException {
    boolean any = killRecorded(commands, data);
    for (String what : new String[] {"initdb", "basebackup"}) {
      Files.deleteIfExists(outputFile(data, what));
    }
    Path staging = beside(data);
    if (!Files.exists(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return any;
    }
    deleteTree(staging);
    return true;
  }

  /** Kills the process group recorded in the pid file, if it still runs initdb or pg_basebackup; removes the file. */
  static boolean killRecorded(Commands commands, Path data) throws IOException {
    Path pidFile = pidFile(data);
    if (!Files.exists(pidFile)) {
      return false;
    }
    try {
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      java.util.Optional<ProcessHandle> h = ProcessHandle.of(pid);
      String cmd = h.map(x -> x.info().commandLine().orElse("")).orElse("");
      boolean leaderAlive = h.map(ProcessHandle::isAlive).orElse(false);
      if (cmd.contains("pg_basebackup") || cmd.contains("initdb") || (!leaderAlive && groupHasMembers(pid))) {
        // the leader killed alone leaves its children in the group: pg_basebackup's WAL
        // streamer, initdb's postgres
        killGroup(commands, pid);
      }
    } catch (NumberFormatException e) {
      // a damaged pid file: nothing to kill
    }
    Files.deleteIfExists(pidFile);
    return true;
  }

  /** True when some process is in process group {@code pgid} (field 5 of /proc/<pid>/stat); a kill reaches only this user's. */
  static boolean groupHasMembers(long pgid) {
    try (java.util.stream.Stream<Path> s = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (!p.getFileName().toString().matches("[0-9]+")) {
          continue;
        }
        try {
          String stat = Files.readString(p.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (f.length > 2 && f[2].equals(Long.toString(pgid))) {
            return true;
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /** SIGKILL to a whole process group (pg_basebackup -Xs forks a WAL streamer that must die too). */
  static void killGroup(Commands commands, long pgid) {
    commands.run(java.util.List.of("kill", "-KILL", "--", "-" + pgid), java.time.Duration.ofSeconds(5));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (ProcessHandle.of(pgid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!root.getFileName().toString().endsWith(".pgconverge-new")) {
      throw new IllegalArgumentException("refusing to delete " + root + ": not a pgconverge staging directory");
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
