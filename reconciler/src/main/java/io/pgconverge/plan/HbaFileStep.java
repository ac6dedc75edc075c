package io.pgconverge.plan;

import io.pgconverge.observe.FileFact;
import io.pgconverge.pg.HbaFile;
import io.pgconverge.pg.HbaFileSyntaxException;
import io.pgconverge.pg.HbaLine;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * pg_hba.conf: rendered in full and compared byte for byte, its drift named record by record.
 *
 * <ol>
 *   <li>Render the file ({@link ManagedFiles#hbaConf}); the same bytes on disk: nothing to do. An
 *       unreadable file is refused.
 *   <li>Otherwise, unless a bootstrap is under way, parse the file on disk into records ({@link
 *       HbaFile}, as the server reads it: comments and blank lines are not records) and compare
 *       them with the desired records ({@link ManagedFiles#hbaLines}): each desired record missing,
 *       or at another position (order matters: the first match wins); each record on disk that is
 *       not desired. A file that does not parse is named with its line. When no record differs the
 *       drift is layout or comments only.
 *   <li>Write the file. When its records changed (or could not be read), the server's reload says
 *       "pg_hba.conf changed"; see {@link LiveSettingsStep}.
 * </ol>
 */
final class HbaFileStep implements PlanStep {
  private static final String REMEDY = "rewrite pg_hba.conf, reload";

  @Override
  public Next plan(PlanBuilder plan) {
    Path path = plan.pg().hbaConf();
    String rendered = ManagedFiles.hbaConf(plan.desired());
    Optional<FileFact> stale = plan.differingFile(path, rendered);
    if (stale.isEmpty()) {
      return Next.CONTINUE;
    }
    FileFact onDisk = stale.get();
    if (plan.bootstrap()) {
      // a new data directory: nothing on disk to name, no server to reload
    } else if (onDisk instanceof FileFact.Present p) {
      plan.hbaRecordsChanged(compareRecords(plan, p));
    } else {
      plan.drift(DriftKind.CONFIG_FILE, path.toString(), "managed content", "absent", "write", "");
    }
    plan.add(new Action.WriteFile(path, rendered, PlanBuilder.previous(onDisk),
        "hba lines from " + plan.desired().source().getFileName()));
    return Next.CONTINUE;
  }

  /** Names the drift of the records on disk; true when they differ from the desired ones. */
  private static boolean compareRecords(PlanBuilder plan, FileFact.Present onDisk) {
    List<HbaLine> want = ManagedFiles.hbaLines(plan.desired());
    List<HbaLine> have;
    try {
      have = HbaFile.parse(onDisk.text());
    } catch (HbaFileSyntaxException e) {
      plan.drift(DriftKind.CONFIG_FILE, onDisk.path().toString(), "managed content",
          "does not parse at line " + e.line() + ": " + e.getMessage(), "rewrite", "");
      return true;
    }
    String where = plan.desired().where("postgres.hba");
    int before = plan.driftCount();
    for (int i = 0; i < want.size(); i++) {
      HbaLine w = want.get(i);
      int at = have.indexOf(w);
      if (at < 0) {
        plan.drift(DriftKind.HBA, "pg_hba.conf record " + (i + 1), w.compact(), "missing", REMEDY, where);
      } else if (at != i) {
        plan.drift(DriftKind.HBA, "pg_hba.conf record " + (i + 1), w.compact(),
            "at position " + (at + 1) + " (order matters: first match wins)", REMEDY, where);
      }
    }
    for (HbaLine h : have) {
      if (!want.contains(h)) {
        plan.drift(DriftKind.HBA, "pg_hba.conf record", "absent", h.compact(), REMEDY, "");
      }
    }
    if (plan.driftCount() == before) {
      plan.drift(DriftKind.CONFIG_FILE, onDisk.path().toString(), "managed content", "layout or comments differ", "rewrite", "");
    }
    return !have.equals(want);
  }
}
