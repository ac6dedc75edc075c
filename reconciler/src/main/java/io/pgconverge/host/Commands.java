package io.pgconverge.host;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The command-runner port: runs a command as an argv list (never through a shell) with a bounded
 * wait, and touches the world as much as the command does. {@link ProcessCommands} is the real
 * one; each instance keeps its own set of cancellable commands, so whoever made it (the daemon)
 * can stop what it still runs.
 */
public interface Commands {
  /** Runs {@code argv} with {@code env} added to this process's environment; on timeout its process tree is killed. */
  CommandResult run(List<String> argv, Map<String, String> env, Duration timeout);

  default CommandResult run(List<String> argv, Duration timeout) {
    return run(argv, Map.of(), timeout);
  }

  /**
   * Runs a long command that may be stopped half-way ({@code initdb}, {@code pg_basebackup}):
   * {@link #cancelAll()} kills it with its whole process tree. Never use it for {@code pg_ctl
   * start}: the server is a child of pg_ctl while it starts, and must outlive a stopping daemon.
   */
  CommandResult runCancellable(List<String> argv, Duration timeout);

  /**
   * Registers a long command started elsewhere (pg_basebackup, which needs its own process group
   * and output file) so that {@link #cancelAll()} stops it too; {@link #forget} when it ended.
   */
  void track(Process p);

  void forget(Process p);

  /**
   * Kills every cancellable or tracked command of this runner that still runs, with all its
   * descendants; returns how many were killed. The caller of each sees a failed result.
   */
  int cancelAll();
}
