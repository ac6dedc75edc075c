package io.pgconverge.pg;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What pg_rewind needs and says. The role it connects as needs LOGIN and EXECUTE on four
 * functions, not superuser; its output names where the two servers' histories diverged. Has no
 * side effects.
 */
public final class Rewind {
  public static final String ROLE = "pgconverge_rewind";

  /** The functions pg_rewind calls on the source server. */
  public static final List<String> FUNCTIONS =
      List.of(
          "pg_catalog.pg_ls_dir(text, boolean, boolean)",
          "pg_catalog.pg_stat_file(text, boolean)",
          "pg_catalog.pg_read_binary_file(text)",
          "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
          "pg_catalog.pg_control_checkpoint()");

  /**
   * True on the source when its control file already carries its current timeline. Before
   * PostgreSQL 16, pg_rewind takes the source's timeline from its control file, which a freshly
   * promoted server updates only at its first checkpoint: rewinding before that goes wrong (a
   * "no rewind required" that keeps diverged WAL, or a target that never starts).
   */
  public static final String SOURCE_CHECKPOINTED_SQL =
      "select timeline_id = ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int"
          + " from pg_control_checkpoint()";

  private static final Pattern DIVERGED =
      Pattern.compile("servers diverged at WAL location ([0-9A-Fa-f]+/[0-9A-Fa-f]+) on timeline (\\d+)");

  private Rewind() {}

  /** Where the histories diverged ("0/3000060 on timeline 1"), when pg_rewind said so. */
  public static Optional<String> divergence(String output) {
    Matcher m = DIVERGED.matcher(output);
    return m.find() ? Optional.of(m.group(1) + " on timeline " + m.group(2)) : Optional.empty();
  }

  /** The LSN part of a divergence, e.g. "0/3000060". */
  public static Optional<String> divergenceLsn(String output) {
    Matcher m = DIVERGED.matcher(output);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /**
   * True for the backup_label pg_rewind writes at the end of a rewind ({@code BACKUP METHOD:
   * pg_rewind}); the server's first start reads it and renames it to backup_label.old.
   */
  public static boolean writtenByRewind(String backupLabel) {
    return backupLabel.lines().anyMatch(l -> l.strip().equals("BACKUP METHOD: pg_rewind"));
  }

  /**
   * The cluster state pg_rewind leaves in the control file, as the last thing it writes: a copy
   * that is rewound but has not been started since. pg_rewind run again on it would first run
   * crash recovery in single-user mode (it is not "shut down"), which writes a checkpoint record
   * on the source's own timeline at the end of the copied WAL, where the source has other records;
   * then it finds both on one timeline ("no rewind required"), and the replica streams WAL that
   * does not continue its own and stops replaying.
   */
  public static final String REWOUND_STATE = "in archive recovery";

  public static boolean noRewindRequired(String output) {
    return output.contains("no rewind required");
  }
}
