package io.pgconverge.apply;

import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.observe.ControlDataProbe;
import io.pgconverge.pg.ControlData;
import io.pgconverge.pg.Lsn;
import io.pgconverge.pg.Rewind;
import io.pgconverge.plan.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Brings a stopped former primary, or a replica that cannot follow the primary's timeline, back
 * onto the new primary's history with pg_rewind, and says which WAL it threw away: from the point
 * where the histories diverged to where the old server's WAL ended. When pg_rewind cannot do it and the policy allows, PGDATA is renamed aside (never
 * deleted) after checking there is room for a fresh copy beside it.
 */
final class RewindRunner {
  private final Commands commands;
  private final Clock clock;

  /** @param clock names the moved-aside PGDATA ({@code .pgconverge-old-<local time>}) */
  RewindRunner(Commands commands, Clock clock) {
    this.commands = commands;
    this.clock = clock;
  }

  RewindResult run(Action.Rewind a) throws IOException {
    Optional<ProcessHandle> leftover = runningRewindOf(a.data());
    if (leftover.isPresent()) {
      throw new IOException("not rewound: a pg_rewind an earlier run left behind (pid " + leftover.get().pid()
          + ") still rewinds " + a.data() + "; nothing was touched, the next run looks again once it has ended");
    }
    awaitSourceCheckpoint(a);
    Optional<ControlData> before = ControlDataProbe.read(commands, a.bin(), a.data());
    String localEnd = before.map(RewindRunner::walEnd).orElse("?");
    int localTimeline = before.map(RewindRunner::walEndTimeline).orElse(0);
    CommandResult r = commands.run(
        List.of(a.bin().resolve("pg_rewind").toString(), "--target-pgdata", a.data().toString(),
            "--source-server", a.sourceConninfo()),
        Map.of("LC_ALL", "C"), Duration.ofHours(2));
    String output = r.stdout() + "\n" + r.stderr();
    if (r.ok()) {
      if (Rewind.noRewindRequired(output)) {
        return new RewindResult("no rewind required: the old history ends where " + a.primary() + "'s continues; no WAL discarded", false);
      }
      String from = Rewind.divergenceLsn(output).orElse("?");
      return new RewindResult("rewound from " + a.primary() + ": the histories diverged at "
          + Rewind.divergence(output).orElse("?") + "; local WAL from " + from + " to " + localEnd
          + " on timeline " + localTimeline + " was discarded", false);
    }
    String why = r.tail(3).replace('\n', ' ');
    if (!a.moveAside()) {
      throw new IOException("pg_rewind from " + a.primary() + " failed: " + why
          + "; policy.reclone is never, so nothing else was done and the server stays stopped");
    }
    long size = sizeOf(a.data());
    long free = Files.getFileStore(a.data().toAbsolutePath().getParent()).getUsableSpace();
    if (free < size + size / 10) {
      throw new IOException("pg_rewind from " + a.primary() + " failed (" + why + ") and PGDATA was not moved aside: a fresh copy needs about "
          + mb(size) + " MB but only " + mb(free) + " MB are free beside it");
    }
    Path aside = a.data().resolveSibling(a.data().getFileName() + ".pgconverge-old-"
        + LocalDateTime.now(clock).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.move(a.data(), aside);
    return new RewindResult("pg_rewind from " + a.primary() + " failed (" + why + "); policy.reclone is move-aside: PGDATA ("
        + mb(size) + " MB, WAL up to " + localEnd + " on timeline " + localTimeline + ") moved to " + aside
        + ", never deleted; a fresh base backup follows", true);
  }

  /**
   * Where the local WAL ends, as pg_rewind reads it: the last checkpoint, or for a server shut down
   * in recovery (a former replica) its minimum recovery point when that is later.
   */
  static String walEnd(ControlData c) {
    String checkpoint = c.all().getOrDefault("Latest checkpoint location", "?");
    return recoveryEndBeyondCheckpoint(c) ? c.all().get(MIN_RECOVERY) : checkpoint;
  }

  static int walEndTimeline(ControlData c) {
    if (recoveryEndBeyondCheckpoint(c)) {
      try {
        return Integer.parseInt(c.all().getOrDefault(MIN_RECOVERY_TIMELINE, "").strip());
      } catch (NumberFormatException e) {
        return c.timeline();
      }
    }
    return c.timeline();
  }

  private static final String MIN_RECOVERY = "Minimum recovery ending location";
  private static final String MIN_RECOVERY_TIMELINE = "Min recovery ending loc's timeline";

  private static boolean recoveryEndBeyondCheckpoint(ControlData c) {
    Optional<Long> min = Lsn.parse(c.all().get(MIN_RECOVERY));
    Optional<Long> checkpoint = Lsn.parse(c.all().get("Latest checkpoint location"));
    return min.isPresent() && checkpoint.isPresent() && min.get() > checkpoint.get();
  }

  /**
   * Waits (at most 60 s) until the new primary's control file carries its current timeline, asking
   * it as the rewind role with psql and the passfile; see {@link Rewind#SOURCE_CHECKPOINTED_SQL}.
   */
  void awaitSourceCheckpoint(Action.Rewind a) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    while (true) {
      CommandResult r = commands.run(
          List.of(a.bin().resolve("psql").toString(), "-X", "-A", "-t", "-w", "-d", a.sourceConninfo(), "-c",
              Rewind.SOURCE_CHECKPOINTED_SQL),
          Map.of("LC_ALL", "C"), Duration.ofSeconds(20));
      if (r.ok() && r.stdout().strip().equals("t")) {
        return;
      }
      last = r.ok() ? "its first checkpoint on the new timeline has not finished" : r.tail(2).replace('\n', ' ');
      if (System.nanoTime() > deadline) {
        throw new IOException("not rewound: " + a.primary() + " is not ready to be a rewind source within 60 s (" + last
            + "); nothing was touched, the next run tries again");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + a.primary());
      }
    }
  }

  /**
   * A pg_rewind (or a wrapper named pg_rewind) whose {@code --target-pgdata} is {@code data}, still
   * running: left behind by a run that was killed while it rewound. A second one beside it would
   * rewrite the same files at the same time; killing it would leave a half-rewound copy. So the
   * run waits for it, and the next run finds its rewind finished (or cut, and rewinds again).
   */
  static Optional<ProcessHandle> runningRewindOf(Path data) {
    Path target = data.toAbsolutePath().normalize();
    return ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid()).filter(p -> {
      ProcessHandle.Info info = p.info();
      String[] args = info.arguments().orElse(new String[0]);
      boolean named = info.command().map(c -> c.endsWith("/pg_rewind")).orElse(false)
          || java.util.Arrays.stream(args).anyMatch(x -> x.endsWith("/pg_rewind"));
      return named && rewindTarget(args).map(t -> t.equals(target)).orElse(false);
    }).findFirst();
  }

  /** The {@code --target-pgdata} (or {@code -D}) of a pg_rewind command line. */
  static Optional<Path> rewindTarget(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String x = args[i];
      String value = null;
      if ((x.equals("--target-pgdata") || x.equals("-D")) && i + 1 < args.length) {
        value = args[i + 1];
      } else if (x.startsWith("--target-pgdata=")) {
        value = x.substring("--target-pgdata=".length());
      }
      if (value != null) {
        try {
          return Optional.of(Path.of(value).toAbsolutePath().normalize());
        } catch (java.nio.file.InvalidPathException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    }
  }

  private static long mb(long bytes) {
    return bytes / (1024 * 1024);
  }
}
