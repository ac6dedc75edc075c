package io.pgconverge.apply;

import io.pgconverge.plan.Action;
import java.io.IOException;

/**
 * The actions on the server's processes and its data directory, all through the command runner:
 * initdb and pg_basebackup into a staging directory ({@link DataDirectoryBuilder}), pg_ctl start,
 * stop and restart ({@link ServerControl}), pg_rewind ({@link RewindRunner}).
 */
final class ServerActions {
  private final DataDirectoryBuilder builder;
  private final ServerControl control;
  private final RewindRunner rewind;
  private final ApplyEvents events;
  private final Runnable dataDirectoryMovedAside;
  /** The data directory a pg_basebackup of this run made and flushed, until its first start. */
  private java.nio.file.Path freshCopy;

  /**
   * @param events told of a long copy's progress
   * @param dataDirectoryMovedAside called when a failed rewind moved PGDATA aside: the rest of the
   *     plan no longer fits the host
   */
  ServerActions(HostPorts ports, ApplyEvents events, Runnable dataDirectoryMovedAside) {
    this.builder = new DataDirectoryBuilder(ports.commands());
    this.control = new ServerControl(ports.commands());
    this.rewind = new RewindRunner(ports.commands(), ports.clock());
    this.events = events;
    this.dataDirectoryMovedAside = dataDirectoryMovedAside;
  }

  void register(ActionHandlers handlers) {
    handlers.on(Action.InitDataDirectory.class, builder::initdb)
        .on(Action.BaseBackup.class, this::basebackup)
        .on(Action.StopServer.class, this::stop)
        .on(Action.StartServer.class, this::start)
        .on(Action.RestartServer.class, this::restart)
        .on(Action.Rewind.class, this::rewind);
  }

  private String basebackup(Action.BaseBackup a) throws IOException {
    String detail = builder.basebackup(a, events);
    freshCopy = a.data().toAbsolutePath().normalize();
    return detail;
  }

  /**
   * The setting for the first start of the copy this run just made: {@code
   * recovery_init_sync_method=syncfs}. A copy starts like a crashed server (its control file says
   * "in production"), so PostgreSQL first makes sure every file of PGDATA is on disk, by default
   * with an fsync of each file one by one ({@code fsync}), which took most of a replica's first
   * start (0.5-1.8 s for a 22-461 MB copy). {@code syncfs} gives the same guarantee with one
   * syncfs(2) per file system (PGDATA, pg_wal, each tablespace), and costs next to nothing here:
   * {@link DataDirectoryBuilder#moveIntoPlace} flushed the same file systems with syncfs before the
   * rename, so they hold no dirty data of the copy. Durability is therefore unchanged: the files
   * are flushed either way before recovery starts, by the same system call PostgreSQL would use
   * with the setting in postgresql.conf (errors are reported since Linux 5.8, as for {@code sync
   * -f}). Only this one start gets it ({@code -c} on the command line); every later start, in
   * particular after a real crash, keeps the file's setting.
   */
  private java.util.List<String> firstStartOf(Action.StartServer a) {
    if (freshCopy == null || !freshCopy.equals(a.data().toAbsolutePath().normalize())) {
      return java.util.List.of();
    }
    freshCopy = null;
    return java.util.List.of("recovery_init_sync_method=syncfs");
  }

  private String stop(Action.StopServer a) throws IOException {
    control.stop(a.bin(), a.configDir());
    return "server stopped cleanly";
  }

  private String start(Action.StartServer a) throws IOException {
    if (a.afterCrash()) {
      return control.startAfterCrash(a.bin(), a.configDir(), a.data(), a.logFile());
    }
    java.util.List<String> once = firstStartOf(a);
    control.start(a.bin(), a.configDir(), a.data(), a.logFile(), once);
    return once.isEmpty() ? "server started" : "server started (first start of the new copy: " + String.join(", ", once) + ")";
  }

  private String restart(Action.RestartServer a) throws IOException {
    control.stop(a.bin(), a.configDir());
    control.start(a.bin(), a.configDir(), a.data(), a.logFile());
    return "server restarted";
  }

  private String rewind(Action.Rewind a) throws IOException {
    RewindResult r = rewind.run(a);
    if (r.movedAside()) {
      dataDirectoryMovedAside.run();
    }
    return r.detail();
  }
}
