package io.pgconverge.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one atomic writer of pgconverge: every managed file (postgresql.conf, pg_hba.conf, the
 * passfile, the status and metrics files) is replaced by it. Readers see the old bytes or the new,
 * never half, and after a crash the new bytes are on disk once {@link #write} returned:
 *
 * <ol>
 *   <li>write a temp file beside the target ({@code .<name>.<pid>.pgconverge-tmp}, with its mode
 *       from the start), fsync it;
 *   <li>rename it over the target;
 *   <li>fsync the directory, so the rename itself survives a power loss.
 * </ol>
 *
 * The PID in the temp name keeps two processes that write the same file (the daemon and {@code
 * pgconverge apply} both write the status file) from sharing a temp file; a temp file whose
 * process died before its rename is removed by the next write of the same target.
 *
 * <p>{@link #publish} is the same without the two fsyncs, for files that only report the last run
 * (the status and metrics files, in {@code /run} by default): readers still see old or new bytes,
 * never half, but a power loss may leave the old bytes or an empty file, which the next run
 * replaces. Nothing that configures the server or holds a secret is written that way.
 */
public final class AtomicFiles {
  private static final String SUFFIX = ".pgconverge-tmp";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private AtomicFiles() {}

  /** Writes {@code content} to {@code target} with mode 0600; the directory is made (0700) when missing. */
  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, OWNER_ONLY);
  }

  /** Writes {@code content} to {@code target} with exactly {@code mode} (the umask does not narrow it). */
  public static void write(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
    replace(target, content, mode, true);
  }

  /**
   * Replaces {@code target} as {@link #write} does, atomically for its readers, but flushes neither
   * the file nor its directory: for a report that the next run rewrites anyway (measured on ext4:
   * a one-shot {@code apply}'s status and metrics files about 3 ms quicker to write).
   */
  public static void publish(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
    replace(target, content, mode, false);
  }

  private static void replace(Path target, byte[] content, Set<PosixFilePermission> mode, boolean durable) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    removeDeadTemps(dir, target.getFileName().toString());
    Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + SUFFIX);
    Files.deleteIfExists(tmp);
    try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(mode))) {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      Files.setPosixFilePermissions(tmp, mode);
      if (durable) {
        ch.force(true);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    TestCrashHook.at("atomic-write:temp-written(" + target.getFileName() + ")");
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    TestCrashHook.at("atomic-write:renamed(" + target.getFileName() + ")");
    if (durable) {
      fsyncDirectory(dir);
    }
  }

  /** Removes {@code target} and fsyncs its directory, so the removal survives a power loss; false when it was not there. */
  public static boolean remove(Path target) throws IOException {
    boolean removed = Files.deleteIfExists(target);
    fsyncDirectory(target.toAbsolutePath().getParent());
    return removed;
  }

  /** Makes a rename or a new entry in {@code dir} durable; a file system that refuses to fsync a directory is let be. */
  public static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems refuse to fsync a directory; the rename itself is still atomic
    }
  }

  /** Removes temp files of {@code name} left by processes that died between writing and renaming them. */
  private static void removeDeadTemps(Path dir, String name) {
    String prefix = "." + name + ".";
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith(prefix) && n.endsWith(SUFFIX)) {
          String pid = n.substring(prefix.length(), n.length() - SUFFIX.length());
          if (pid.matches("[0-9]{1,18}") && ProcessHandle.of(Long.parseLong(pid)).map(h -> !h.isAlive()).orElse(true)) {
            Files.deleteIfExists(p);
          }
        }
      }
    } catch (IOException e) {
      // a leftover temp file is harmless; the next write tries again
    }
  }
}
