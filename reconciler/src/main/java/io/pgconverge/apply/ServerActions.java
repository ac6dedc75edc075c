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
        .on(Action.BaseBackup.class, a -> builder.basebackup(a, events))
        .on(Action.StopServer.class, this::stop)
        .on(Action.StartServer.class, this::start)
        .on(Action.RestartServer.class, this::restart)
        .on(Action.Rewind.class, this::rewind);
  }

  private String stop(Action.StopServer a) throws IOException {
    control.stop(a.bin(), a.configDir());
    return "server stopped cleanly";
  }

  private String start(Action.StartServer a) throws IOException {
    if (a.afterCrash()) {
      return control.startAfterCrash(a.bin(), a.configDir(), a.data(), a.logFile());
    }
    control.start(a.bin(), a.configDir(), a.logFile());
    return "server started";
  }

  private String restart(Action.RestartServer a) throws IOException {
    control.stop(a.bin(), a.configDir());
    control.start(a.bin(), a.configDir(), a.logFile());
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
