package io.pgconverge.apply;

import io.pgconverge.host.Commands;
import io.pgconverge.host.FilePort;
import io.pgconverge.host.LocalServer;
import io.pgconverge.host.ServerConnection;
import java.time.Clock;

/**
 * The ports the applier's executors reach the host through, handed in from one place: {@link
 * #real} for a run, in-memory ones in the unit tests.
 *
 * @param server connections to this host's own server (SQL actions)
 * @param commands the command runner (initdb, pg_basebackup, pg_ctl, pg_rewind, postgres -C);
 *     whoever made it can cancel its long commands
 * @param files the atomic writer of managed files
 * @param clock the wall clock (names of moved-aside directories)
 */
public record HostPorts(ServerConnection server, Commands commands, FilePort files, Clock clock) {
  /** The real ports: {@code server} over its Unix socket, {@code commands} as processes, {@link FilePort#REAL}. */
  public static HostPorts real(LocalServer server, Commands commands, Clock clock) {
    return new HostPorts(server, commands, FilePort.REAL, clock);
  }
}
