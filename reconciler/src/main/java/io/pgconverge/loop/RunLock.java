package io.pgconverge.loop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One reconciler per data directory: an advisory lock ({@link FileChannel#tryLock}) on {@code
 * <parent of PGDATA>/.<name of PGDATA>.pgconverge.lock}, a file that holds the holder's PID. The
 * kernel releases the lock when the holder dies, so a crash never leaves it stale.
 *
 * <p>The PID reaches the lock file in one atomic step: a file is never written in place, so a
 * reader never sees it empty or half-written. Taking the lock:
 *
 * <ol>
 *   <li>Open the lock file as it is now (inode C; when missing, first made holding no PID, by a
 *       hard link from a temp file) and try to lock C. Held: refuse (below).
 *   <li>Holding C, check that the path still names C (another taker may have replaced it after we
 *       opened it); if not, let go and start again.
 *   <li>Write this process's PID into a new temp file (inode Y), lock Y, and rename Y onto the
 *       path: from this instant the path names a locked file whose content is the holder's PID.
 *       Then let go of C.
 * </ol>
 *
 * <p>Refusing: when the lock on the file opened is held, its content names the holder — unless a
 * taker is between steps 2 and 3: it holds C, whose content is the previous holder's PID (or none,
 * for a new file), and that holder is dead (one that ended normally removed C first).
 * A reader that finds the named PID dead waits, bounded, until the path names a new file, and reads
 * that one. Temp files of takers that died half-way ({@code .<lock>.<pid>.tmp}) are removed by the
 * next taker.
 */
public final class RunLock implements AutoCloseable {
  /** How long a refused taker waits for a taker that is replacing the file to finish. */
  private static final long SETTLE_NANOS = 2_000_000_000L;

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** Another reconciler holds the lock; {@code holder} is its PID as it wrote it ("unknown" when unreadable). */
  public static final class HeldException extends Exception {
    private final String holder;

    HeldException(Path file, String holder) {
      super("another pgconverge (PID " + holder + ") is already reconciling this data directory (lock " + file + ")");
      this.holder = holder;
    }

    public String holder() {
      return holder;
    }
  }

  /** The lock file for {@code data}; has no side effects. */
  public static Path fileFor(Path data) {
    Path abs = data.toAbsolutePath().normalize();
    return abs.getParent().resolve("." + abs.getFileName() + ".pgconverge.lock");
  }

  /**
   * Takes the lock for {@code data} without waiting; the lock file then holds this process's PID.
   * Creates the parent directory of PGDATA when missing.
   *
   * @throws HeldException when another process (or this one) holds it
   * @throws IOException when the lock file cannot be opened
   */
  public static RunLock acquire(Path data) throws HeldException, IOException {
    Path file = fileFor(data);
    Files.createDirectories(file.getParent());
    long settleUntil = System.nanoTime() + SETTLE_NANOS;
    while (true) {
      Object ino = inode(file);
      FileChannel current;
      try {
        current = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      } catch (NoSuchFileException e) {
        create(file);
        continue;
      }
      try {
        if (ino == null || !ino.equals(inode(file))) {
          continue; // replaced while we opened it: we cannot tell which one we hold
        }
        FileLock held;
        try {
          held = current.tryLock();
        } catch (OverlappingFileLockException e) {
          held = null; // held by this very process
        }
        if (held == null) {
          String holder = readHolder(current);
          boolean replaced = !ino.equals(inode(file));
          if (replaced || (!alive(holder) && System.nanoTime() < settleUntil)) {
            // a taker is replacing the file (it holds the old one, whose PID is dead): read the new one
            pause();
            continue;
          }
          throw new HeldException(file, holder);
        }
        if (!ino.equals(inode(file))) {
          held.release();
          continue;
        }
        RunLock taken = install(file);
        removeStaleTemps(file);
        return taken;
      } finally {
        current.close();
      }
    }
  }

  /** A new file with this process's PID in it, moved onto the path; returns the lock on it. */
  private static RunLock install(Path file) throws IOException {
    Path tmp = tempFile(file, ProcessHandle.current().pid());
    FileChannel ch = writeFile(tmp, ProcessHandle.current().pid() + "\n");
    try {
      FileLock lock = ch.tryLock();
      if (lock == null) {
        throw new IOException("cannot lock the new lock file " + tmp);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return new RunLock(file, ch, lock);
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /**
   * Makes the lock file, not locked, holding no PID (a hard link: fails when it exists); whoever
   * locks it next replaces it with one that holds its PID.
   */
  private static void create(Path file) throws IOException {
    Path tmp = tempFile(file, ProcessHandle.current().pid());
    writeFile(tmp, "none\n").close();
    try {
      Files.createLink(file, tmp);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // another taker made it meanwhile: lock that one
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static FileChannel writeFile(Path tmp, String content) throws IOException {
    Files.deleteIfExists(tmp);
    FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
    try {
      // not fsynced: the PID only names a live holder, and after a power loss nobody holds the
      // lock whatever the file says (an empty file reads as an unknown holder, and is lockable)
      ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)), 0);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  static Path tempFile(Path file, long pid) {
    return file.resolveSibling("." + file.getFileName() + "." + pid + ".tmp");
  }

  /** Removes temp files of takers that died between writing and renaming them. */
  private static void removeStaleTemps(Path file) {
    String prefix = "." + file.getFileName() + ".";
    try (Stream<Path> s = Files.list(file.getParent())) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith(prefix) && n.endsWith(".tmp")) {
          String pid = n.substring(prefix.length(), n.length() - 4);
          if (pid.matches("[0-9]+") && !alive(pid)) {
            Files.deleteIfExists(p);
          }
        }
      }
    } catch (IOException e) {
      // a leftover temp file is harmless; the next taker tries again
    }
  }

  /**
   * The inode the path names now, null when it does not exist. The inode of an open channel is
   * known by stat-ing the path before and after opening it: a file that replaced it in between has
   * another inode (it is made before the old one goes), so equal numbers mean the channel's file.
   */
  private static Object inode(Path file) throws IOException {
    try {
      return Files.getAttribute(file, "unix:ino");
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static boolean alive(String pid) {
    if (!pid.matches("[0-9]+")) {
      return false;
    }
    return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String readHolder(FileChannel ch) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(32);
      ch.read(buf, 0);
      String s = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
      return s.matches("[0-9]+") ? s : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }

  public Path file() {
    return file;
  }

  /**
   * Removes the lock file, then releases the lock: a file at the path is always held, or its
   * holder died (so a PID read from a file that is locked but being replaced is a dead one).
   */
  @Override
  public void close() throws IOException {
    try {
      Files.deleteIfExists(file);
      lock.release();
    } finally {
      channel.close();
    }
  }
}
