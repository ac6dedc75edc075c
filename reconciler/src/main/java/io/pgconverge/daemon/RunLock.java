package io.pgconverge.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One reconciler per data directory: an advisory lock (flock through {@link FileChannel#tryLock})
 * on {@code <parent of PGDATA>/.<name of PGDATA>.pgconverge.lock}, a file that holds the holder's
 * PID. The kernel releases the lock when the holder dies, so a crash never leaves it stale; the
 * file itself stays (deleting a lock file races with the next taker).
 */
public final class RunLock implements AutoCloseable {
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
   * Takes the lock for {@code data} without waiting and writes this process's PID into it; creates
   * the parent directory of PGDATA when missing.
   *
   * @throws HeldException when another process holds it
   * @throws IOException when the lock file cannot be opened
   */
  public static RunLock acquire(Path data) throws HeldException, IOException {
    Path file = fileFor(data);
    Files.createDirectories(file.getParent());
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      String holder = readHolder(ch);
      ch.close();
      throw new HeldException(file, holder);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    ch.force(false);
    return new RunLock(file, ch, lock);
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

  /** Releases the lock; the file stays. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
