package io.pgconverge.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether the postmaster that {@code PGDATA/postmaster.pid} names is alive, from the file and
 * {@code /proc} alone (no SQL, no connection): cheap enough for the daemon to ask twice a second.
 * Reads only.
 *
 * <p>The file's first line is the postmaster's PID. That PID is a postmaster of this data directory
 * when {@code /proc/<pid>} exists, its executable is {@code postgres} and its working directory is
 * PGDATA (a postmaster changes into its data directory at start, whatever {@code -D} named). A PID
 * that is dead, or alive but something else (the PID was reused), means the server stopped without
 * removing its pid file: it crashed or was killed.
 */
public final class PostmasterProbe {
  private PostmasterProbe() {}

  /** What postmaster.pid says about the server. */
  public sealed interface State {}

  /** No postmaster.pid: the server was stopped cleanly, or never started. */
  public record NoPidFile() implements State {}

  /** A postmaster of this data directory runs with this PID (or the file is being written). */
  public record Alive(long pid) implements State {}

  /** postmaster.pid names a PID that is not a postmaster of this data directory: stopped by a crash. */
  public record Stale(long pid, String why) implements State {}

  /** Reads postmaster.pid and /proc; has no side effects. */
  public static State read(Path data) {
    String first;
    try {
      List<String> lines = Files.readAllLines(data.resolve("postmaster.pid"), StandardCharsets.UTF_8);
      first = lines.isEmpty() ? "" : lines.get(0).strip();
    } catch (NoSuchFileException e) {
      return new NoPidFile();
    } catch (IOException e) {
      return new Alive(-1); // cannot tell: never judged a crash
    }
    if (!first.matches("[0-9]{1,10}")) {
      return new Alive(-1); // being written by a starting postmaster
    }
    long pid = Long.parseLong(first);
    Path proc = Path.of("/proc", first);
    if (!Files.isDirectory(proc)) {
      return new Stale(pid, "postmaster.pid names PID " + pid + ", which is not running");
    }
    if (!isPostmasterOf(proc, data)) {
      return new Stale(pid, "postmaster.pid names PID " + pid + ", which is not a postmaster of " + data + " (the PID was reused)");
    }
    return new Alive(pid);
  }

  /**
   * True when postmaster.pid shows what {@code pg_ctl start -w} waits for: a postmaster of this data
   * directory, alive, started at or after {@code notBefore} (epoch seconds, the file's third line:
   * not one a crash left behind), whose status (its eighth line) is {@code ready} or {@code
   * standby}. Reads only.
   */
  public static boolean readySince(Path data, long notBefore) {
    List<String> lines;
    try {
      lines = Files.readAllLines(data.resolve("postmaster.pid"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return false;
    }
    if (lines.size() < 8 || !lines.get(0).strip().matches("[0-9]{1,10}") || !lines.get(2).strip().matches("[0-9]{1,19}")) {
      return false;
    }
    String status = lines.get(7).strip();
    if (!status.equals("ready") && !status.equals("standby")) {
      return false;
    }
    Path proc = Path.of("/proc", lines.get(0).strip());
    return Long.parseLong(lines.get(2).strip()) >= notBefore && Files.isDirectory(proc) && isPostmasterOf(proc, data);
  }

  private static boolean isPostmasterOf(Path proc, Path data) {
    try {
      Path exe = Files.readSymbolicLink(proc.resolve("exe"));
      Path cwd = Files.readSymbolicLink(proc.resolve("cwd"));
      return exe.getFileName().toString().startsWith("postgres") && cwd.equals(realPath(data));
    } catch (IOException | UnsupportedOperationException e) {
      return false; // not ours to read: another user's process, so not this data directory's postmaster
    }
  }

  /**
   * The PIDs of processes whose working directory is PGDATA: server processes (backends, the
   * checkpointer ...) left over from a killed postmaster hold its shared memory until they notice
   * and exit. Only this user's processes can be seen, which are the only ones a server of this
   * data directory runs. Has no side effects.
   */
  public static List<Long> processesIn(Path data) {
    Path want = realPath(data);
    List<Long> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String name = p.getFileName().toString();
        if (!name.matches("[0-9]+")) {
          continue;
        }
        try {
          if (Files.readSymbolicLink(p.resolve("cwd")).equals(want)) {
            found.add(Long.parseLong(name));
          }
        } catch (IOException | UnsupportedOperationException e) {
          // another user's process, or gone meanwhile
        }
      }
    } catch (IOException e) {
      // no /proc: nothing to wait for
    }
    return found;
  }

  private static Path realPath(Path data) {
    try {
      return data.toRealPath();
    } catch (IOException e) {
      return data.toAbsolutePath().normalize();
    }
  }
}
