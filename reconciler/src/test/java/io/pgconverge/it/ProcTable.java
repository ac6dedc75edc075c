package io.pgconverge.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads and signals processes through {@code /proc}, for the leftovers a killed run may leave:
 * {@code pg_basebackup} forks a WAL-streaming child that outlives its parent's SIGKILL, so the
 * tests find such processes by their command line and kill their whole process group.
 */
public final class ProcTable {
  private ProcTable() {}

  /** A live process: id, process group, and its argv joined with spaces. */
  public record Proc(long pid, long pgid, String commandLine) {}

  /** Every process whose command line contains {@code needle}. Has no side effects. */
  public static List<Proc> withCommandLineContaining(String needle) {
    List<Proc> found = new ArrayList<>();
    try (Stream<Path> entries = Files.list(Paths.get("/proc"))) {
      entries
          .filter(p -> p.getFileName().toString().matches("[0-9]+"))
          .forEach(p -> read(Long.parseLong(p.getFileName().toString()))
              .filter(proc -> proc.commandLine().contains(needle))
              .ifPresent(found::add));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot list /proc", e);
    }
    long self = ProcessHandle.current().pid();
    found.removeIf(p -> p.pid() == self);
    return found;
  }

  /** The process {@code pid}, or empty when it is gone. Has no side effects. */
  public static Optional<Proc> read(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline"));
      String cmd = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
      String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so cut at the last ')'
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(new Proc(pid, Long.parseLong(fields[2]), cmd));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** This JVM's process group, which must never be signalled as a group. */
  public static long ownProcessGroup() {
    return read(ProcessHandle.current().pid()).map(Proc::pgid).orElse(-1L);
  }

  /**
   * SIGKILLs every process whose command line contains {@code needle}, and with each its whole
   * process group unless that group is this JVM's; waits (bounded) until they are gone. Returns
   * what it found.
   */
  public static List<Proc> killAllContaining(String needle) {
    List<Proc> found = withCommandLineContaining(needle);
    long own = ownProcessGroup();
    for (Proc p : found) {
      if (p.pgid() > 1 && p.pgid() != own) {
        Processes.run(List.of("kill", "-KILL", "--", "-" + p.pgid()), java.time.Duration.ofSeconds(10));
      }
      ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!withCommandLineContaining(needle).isEmpty() && System.nanoTime() < deadline) {
      Psql.sleep(100);
    }
    return found;
  }
}
