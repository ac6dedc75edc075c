package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.pg.ConfEntry;
import io.pgconverge.pg.ConfFile;
import io.pgconverge.pg.ConfParser;
import io.pgconverge.pg.ConfSyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * postgresql.conf: rendered in full from the desired state and compared byte for byte.
 *
 * <ol>
 *   <li>Render the file ({@link ManagedFiles#postgresqlConf}); the same bytes on disk: nothing to
 *       do. An unreadable file is refused.
 *   <li>Otherwise, unless a bootstrap is under way, name the drift: absent; does not parse; each
 *       setting compared by meaning (units and booleans normalised with the live server's
 *       pg_settings types) — missing, different (with its line on disk) or not desired at all;
 *       include directives; and when no setting differs, "layout or comments differ".
 *   <li>Validate the new file with the server binary ({@code postgres -C}), then write it.
 * </ol>
 *
 * Continues always; whether the server must reload or restart is {@link LiveSettingsStep}'s.
 */
final class PostgresqlConfStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    DesiredState desired = plan.desired();
    Path path = plan.pg().postgresqlConf();
    String rendered = ManagedFiles.postgresqlConf(desired);
    Optional<FileFact> stale = plan.differingFile(path, rendered);
    if (stale.isEmpty()) {
      return Next.CONTINUE;
    }
    FileFact onDisk = stale.get();
    if (!plan.bootstrap()) {
      if (onDisk instanceof FileFact.Present p) {
        int before = plan.driftCount();
        compareSettings(plan, p, plan.running().map(r -> r.settings()).orElse(Map.of()));
        if (plan.driftCount() == before) {
          plan.drift(DriftKind.CONFIG_FILE, path.toString(), "managed content", "layout or comments differ", "rewrite", "");
        }
      } else {
        plan.drift(DriftKind.CONFIG_FILE, path.toString(), "managed content", "absent", "write", "");
      }
    }
    plan.add(new Action.ValidateConfig(path, rendered, plan.bin()));
    plan.add(new Action.WriteFile(path, rendered, PlanBuilder.previous(onDisk), "settings from " + desired.source().getFileName()));
    return Next.CONTINUE;
  }

  private static void compareSettings(PlanBuilder plan, FileFact.Present onDisk, Map<String, LiveSetting> live) {
    DesiredState desired = plan.desired();
    String file = onDisk.path().getFileName().toString();
    ConfFile parsed;
    try {
      parsed = ConfParser.parse(onDisk.text());
    } catch (ConfSyntaxException e) {
      plan.drift(DriftKind.CONFIG_FILE, onDisk.path().toString(), "managed content",
          "does not parse at line " + e.line() + ": " + e.getMessage(), "rewrite", "");
      return;
    }
    Map<String, ConfEntry> disk = parsed.effective();
    Map<String, String> want = ManagedFiles.settings(desired);
    for (Map.Entry<String, String> w : want.entrySet()) {
      ConfEntry d = disk.get(w.getKey());
      if (d == null) {
        plan.drift(DriftKind.SETTING, w.getKey(), w.getValue(), "absent from " + file, "rewrite " + file,
            ManagedFiles.fieldOf(desired, w.getKey()));
      } else if (!PlanBuilder.sameValue(live.get(w.getKey()), d.value(), w.getValue())) {
        plan.drift(DriftKind.SETTING, w.getKey(), w.getValue(), d.value() + " (" + file + ":" + d.line() + ")",
            "rewrite " + file, ManagedFiles.fieldOf(desired, w.getKey()));
      }
    }
    for (ConfEntry d : disk.values()) {
      if (!want.containsKey(d.name())) {
        plan.drift(DriftKind.SETTING, d.name(), "not set", d.value() + " (" + file + ":" + d.line() + ")", "rewrite " + file, "");
      }
    }
    if (!parsed.includes().isEmpty()) {
      plan.drift(DriftKind.CONFIG_FILE, onDisk.path().toString(), "no include directives",
          parsed.includes().size() + " include directive(s)", "rewrite", "");
    }
  }
}
