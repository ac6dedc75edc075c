package io.pgconverge.plan;

import io.pgconverge.desired.RoleSpec;
import io.pgconverge.observe.Secret;
import io.pgconverge.pg.RecoveryRetryWait;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One step of a plan. Actions are values: {@code describe()} is what the log says (never a
 * secret), {@link #needs()} the stages that must have succeeded, {@link #provides()} the stage
 * whose failure stops the actions that need it.
 */
public sealed interface Action {
  String describe();

  default Set<Stage> needs() {
    return Set.of();
  }

  default Optional<Stage> provides() {
    return Optional.empty();
  }

  /** False for checks that change nothing (they also run under {@code check}). */
  default boolean mutates() {
    return true;
  }

  /** initdb into a staging directory beside PGDATA, then rename it into place. */
  record InitDataDirectory(Path data, Path bin, String user, List<String> initdbArgs, Path config)
      implements Action {
    public String describe() {
      return "initdb " + data + " (built beside it, moved into place when complete)";
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.DATA_DIRECTORY);
    }
  }

  /**
   * pg_basebackup from the primary into a staging directory beside PGDATA, moved into place only
   * once the copy completed; the password comes from the passfile named in {@code conninfo}.
   */
  record BaseBackup(Path data, Path bin, String conninfo, String primary, Path config) implements Action {
    public String describe() {
      return "pg_basebackup from " + primary + " into " + data + " (copied beside it, moved into place when complete)";
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.DATA_DIRECTORY);
    }
  }

  /** Writes the libpq passfile (mode 0600) a replica uses to reach its primary; its content is never logged. */
  record WritePassfile(Path path, String host, int port, String user, Secret.Readable password) implements Action {
    public String describe() {
      return "write the passfile " + path + " for " + user + "@" + host + ":" + port + " (password from " + password.file() + ")";
    }
  }

  /** Promotes this replica ({@code pg_promote}), once the former primary is known not to be a primary. */
  record Promote(String proof) implements Action {
    public String describe() {
      return "promote this server to primary (" + proof + ")";
    }

    /** Its new postgresql.conf (synchronous_standby_names) written and loaded first: a failure there stops it. */
    public Set<Stage> needs() {
      return Set.of(Stage.SERVER, Stage.CONFIG_FILES);
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.SERVER);
    }
  }

  /**
   * Stops the server cleanly (fast shutdown: the last WAL reaches the connected replicas); {@code
   * after}: the stages whose failure must keep it running.
   */
  record StopServer(Path configDir, Path bin, String reason, Set<Stage> after) implements Action {
    public StopServer(Path configDir, Path bin, String reason) {
      this(configDir, bin, reason, Set.of());
    }

    public String describe() {
      return "stop the server cleanly (" + reason + ")";
    }

    public Set<Stage> needs() {
      return after;
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.SERVER);
    }
  }

  /**
   * pg_rewind of a stopped former primary from the new primary, as the rewind role; reports the
   * WAL range it threw away. When the rewind is impossible and {@code moveAside}, PGDATA is renamed
   * with a timestamp suffix (after a free-disk check) so that the next pass takes a fresh copy.
   */
  record Rewind(Path data, Path bin, String sourceConninfo, String primary, boolean moveAside) implements Action {
    public String describe() {
      return "pg_rewind " + data + " from " + primary;
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.DATA_DIRECTORY);
    }
  }

  /** Makes the role pg_rewind connects as: LOGIN, the replication password (hashed here), EXECUTE on four functions. */
  record EnsureRewindRole(Secret.Readable password) implements Action {
    public String describe() {
      return "make role " + io.pgconverge.pg.Rewind.ROLE + " for pg_rewind (login, file functions, no superuser; password from "
          + password.file() + ")";
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER);
    }
  }

  /** Creates a physical replication slot that reserves WAL at once. */
  record CreateSlot(String name) implements Action {
    public String describe() {
      return "create physical replication slot " + name;
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER);
    }
  }

  /** Drops a slot pgconverge made for a peer that is no longer listed. */
  record DropSlot(String name) implements Action {
    public String describe() {
      return "drop replication slot " + name + " (its peer is no longer listed)";
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER);
    }
  }

  /** Loads a candidate postgresql.conf with the server binary itself ({@code postgres -C}) before it is written. */
  record ValidateConfig(Path target, String content, Path bin) implements Action {
    public String describe() {
      return "validate the new " + target.getFileName() + " with " + bin.resolve("postgres") + " -C";
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.CONFIG_FILES);
    }

    public boolean mutates() {
      return false;
    }
  }

  /**
   * Atomically replaces a file (temp file, fsync, rename). {@code previous} is what the file held
   * when it was observed (empty when absent), for {@code check --diff}; nothing restores it (a
   * new postgresql.conf is checked before it is written, by {@link ValidateConfig}).
   */
  record WriteFile(Path path, String content, Optional<byte[]> previous, String why) implements Action {
    public String describe() {
      return "rewrite " + path + " (" + why + ")";
    }

    public Set<Stage> needs() {
      return Set.of(Stage.DATA_DIRECTORY, Stage.CONFIG_FILES);
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.CONFIG_FILES);
    }
  }

  /** Removes a file durably (its directory fsynced): standby.signal of a replica that must be rewound. */
  record RemoveFile(Path path, String why) implements Action {
    public String describe() {
      return "remove " + path + " (" + why + ")";
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.CONFIG_FILES);
    }
  }

  /** Removes ALTER SYSTEM overrides of managed settings: {@code ALTER SYSTEM RESET} while the server runs. */
  record ResetAlterSystem(List<String> names) implements Action {
    public String describe() {
      return "ALTER SYSTEM RESET " + String.join(", ", names);
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER);
    }
  }

  /**
   * Starts the server with pg_ctl and waits, bounded, until it accepts connections. {@code
   * afterCrash}: its postmaster died without cleaning up; the server processes it left are waited
   * for (bounded) before the start, which includes crash recovery.
   */
  record StartServer(Path configDir, Path data, Path bin, Path logFile, boolean afterCrash) implements Action {
    public StartServer(Path configDir, Path data, Path bin, Path logFile) {
      this(configDir, data, bin, logFile, false);
    }

    public String describe() {
      return (afterCrash ? "start the server again after a crash" : "start the server") + " (pg_ctl start, log " + logFile + ")";
    }

    public Set<Stage> needs() {
      return Set.of(Stage.DATA_DIRECTORY);
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.SERVER);
    }
  }

  /**
   * pg_reload_conf(), after checking the server's own views of the files, then confirms the values
   * loaded. With {@code awaitReceiver} (a standby whose upstream settings change): then waits a
   * little for its WAL receiver to stream from that upstream, waking the startup process out of
   * PostgreSQL's retry wait ({@link RecoveryRetryWait}).
   */
  record ReloadServer(List<String> reasons, List<ExpectedSetting> expect,
      Optional<RecoveryRetryWait.Upstream> awaitReceiver) implements Action {
    public ReloadServer(List<String> reasons, List<ExpectedSetting> expect) {
      this(reasons, expect, Optional.empty());
    }

    public String describe() {
      return "reload the server (" + String.join("; ", reasons) + ")"
          + awaitReceiver.map(u -> ", then see the WAL receiver stream from " + u.describe()).orElse("");
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER, Stage.CONFIG_FILES);
    }
  }

  /** A clean restart (pg_ctl stop -m fast, start), allowed by policy.restart: always. */
  record RestartServer(Path configDir, Path data, Path bin, Path logFile, List<String> reasons)
      implements Action {
    public String describe() {
      return "restart the server (" + String.join("; ", reasons) + ")";
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER, Stage.CONFIG_FILES);
    }

    public Optional<Stage> provides() {
      return Optional.of(Stage.SERVER);
    }
  }

  /** CREATE ROLE with the listed attributes and, when a password file is given, a client-hashed SCRAM verifier. */
  record CreateRole(RoleSpec spec, Optional<Secret.Readable> password) implements Action {
    public String describe() {
      return "create role " + spec.name();
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER);
    }
  }

  /** ALTER ROLE with attribute clauses (LOGIN, NOCREATEDB, CONNECTION LIMIT 20, ...). */
  record AlterRole(String name, List<String> clauses) implements Action {
    public String describe() {
      return "alter role " + name + " " + String.join(" ", clauses);
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER);
    }
  }

  /** ALTER ROLE … PASSWORD with a SCRAM verifier hashed here; the clear text never reaches the server. */
  record SetPassword(String name, Secret.Readable password) implements Action {
    public String describe() {
      return "set the password of role " + name + " from " + password.file() + " (sent as a SCRAM verifier)";
    }

    public Set<Stage> needs() {
      return Set.of(Stage.SERVER);
    }
  }
}
