package io.pgconverge.apply;

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

  /** Where the PID of a running pg_basebackup into the staging directory is kept. */
  public static Path pidFile(Path data) {
    return data.toAbsolutePath().getParent().resolve("." + data.getFileName() + ".pgconverge-new.pid");
  }

  /**
   * Removes what an interrupted bootstrap left: a pg_basebackup still copying (its whole process
   * group is killed: its WAL-streaming child would otherwise live on) and the staging directory.
   * Returns true when there was anything.
   */
  public static boolean removeLeftover(Path data) throws IOException {
    boolean any = killRecorded(data);
    Path staging = beside(data);
    if (!Files.exists(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return any;
    }
    deleteTree(staging);
    return true;
  }

  /** Kills the process group recorded in the pid file, if it still runs pg_basebackup; removes the file. */
  static boolean killRecorded(Path data) throws IOException {
    Path pidFile = pidFile(data);
    if (!Files.exists(pidFile)) {
      return false;
    }
    try {
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      java.util.Optional<ProcessHandle> h = ProcessHandle.of(pid);
      if (h.isPresent() && h.get().info().commandLine().orElse("").contains("pg_basebackup")) {
        killGroup(pid);
      }
    } catch (NumberFormatException e) {
      // a damaged pid file: nothing to kill
    }
    Files.deleteIfExists(pidFile);
    return true;
  }

  /** SIGKILL to a whole process group (pg_basebackup -Xs forks a WAL streamer that must die too). */
  static void killGroup(long pgid) {
    io.pgconverge.host.Commands.run(java.util.List.of("kill", "-KILL", "--", "-" + pgid), java.time.Duration.ofSeconds(5));
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
