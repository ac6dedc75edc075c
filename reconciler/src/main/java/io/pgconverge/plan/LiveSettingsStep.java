package io.pgconverge.plan;

import io.pgconverge.desired.RestartPolicy;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.FileSettingError;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.pg.RecoveryRetryWait;
import io.pgconverge.pg.SettingContext;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The running server's loaded values against the desired ones: reload, restart or pending restart.
 *
 * <ol>
 *   <li>Each managed setting whose live value ({@code pg_settings}) differs by meaning: reloadable,
 *       it is reloaded and its new value confirmed afterwards; postmaster context, it needs a
 *       restart. A setting still {@code pending_restart} needs one too.
 *   <li>A setting the server loaded from postgresql.conf that the desired state does not set any
 *       more, or from postgresql.auto.conf where this run resets it ({@link AlterSystemStep}: a
 *       replica's synchronous_standby_names): back to its default, by reload or restart as its
 *       context says.
 *   <li>pg_hba.conf whose records changed, or that is rewritten (comments only): reload, so the file
 *       on disk is never newer than what the server loaded. Not rewritten but modified after the
 *       server last loaded its config ({@code pg_conf_load_time()}, to the microsecond; an mtime
 *       after the server's own clock is not judged): drift "written, not loaded", and a reload.
 *       postgresql.conf likewise.
 *   <li>A restart is done under {@code policy.restart: always}, or {@code window} while the
 *       {@link io.pgconverge.plan.PlanContext} says the window is open; otherwise each setting is
 *       reported pending on every run. A restart makes the reload needless.
 *   <li>Errors the server reports in files pgconverge does not manage are drift with no remedy.
 * </ol>
 */
final class LiveSettingsStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    if (!(plan.server() instanceof ServerFact.Running server)) {
      return Next.CONTINUE;
    }
    Map<String, String> want = ManagedFiles.settings(plan.desired());
    List<String> reload = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    List<ExpectedSetting> expect = new ArrayList<>();
    for (Map.Entry<String, String> w : want.entrySet()) {
      LiveSetting ls = server.settings().get(w.getKey());
      if (ls == null || PlanBuilder.sameValue(ls, ls.setting(), w.getValue())) {
        continue;
      }
      String actual = ls.setting() + (ls.unit() == null ? "" : " (unit " + ls.unit() + ")") + " in the running server";
      String field = ManagedFiles.fieldOf(plan.desired(), w.getKey());
      if (SettingContext.of(ls.context()).needsRestart()) {
        restart.add(w.getKey());
        plan.drift(DriftKind.SETTING, w.getKey(), w.getValue(), actual, restartRemedy(plan), field);
      } else {
        reload.add(w.getKey());
        expect.add(new ExpectedSetting(w.getKey(), w.getValue(), ls.vartype(), ls.unit()));
        plan.drift(DriftKind.SETTING, w.getKey(), w.getValue(), actual, "reload", field);
      }
    }
    String conf = plan.pg().postgresqlConf().toString();
    for (LiveSetting ls : server.settings().values()) {
      if (want.containsKey(ls.name())) {
        if (ls.pendingRestart() && !restart.contains(ls.name())) {
          restart.add(ls.name());
        }
        continue;
      }
      boolean resetHere = plan.pg().autoConf().toString().equals(ls.sourcefile()) && plan.hasDrift(DriftKind.ALTER_SYSTEM, ls.name());
      if ("configuration file".equals(ls.source()) && (conf.equals(ls.sourcefile()) || resetHere)) {
        String remedy = SettingContext.of(ls.context()).needsRestart() ? restartRemedy(plan) : "reload";
        plan.drift(DriftKind.SETTING, ls.name(), "default (not in the desired state)", ls.setting() + " in the running server", remedy, "");
        (remedy.equals("reload") ? reload : restart).add(ls.name());
      } else if (ls.pendingRestart()) {
        restart.add(ls.name());
      }
    }
    List<String> reasons = reloadReasons(plan, server.confLoad(), reload);
    boolean restarting = !restart.isEmpty() && mayRestart(plan);
    if (restarting) {
      plan.add(new Action.RestartServer(plan.pg().config(), plan.pg().data(), plan.bin(), plan.startLog(),
          List.of("settings that need a restart: " + String.join(", ", restart))));
    } else {
      for (String name : restart) {
        plan.pendingRestart(name);
        if (!plan.hasDrift(DriftKind.SETTING, name)) {
          plan.drift(DriftKind.PENDING_RESTART, name, "loaded", "waits for a restart", restartRemedy(plan),
              ManagedFiles.fieldOf(plan.desired(), name));
        }
      }
      if (!reasons.isEmpty()) {
        plan.add(new Action.ReloadServer(reasons, expect, awaitReceiver(plan, server, want, reload)));
      }
    }
    for (FileSettingError e : server.configErrors()) {
      if (!conf.equals(e.file()) && !plan.pg().hbaConf().toString().equals(e.file())) {
        plan.drift(DriftKind.CONFIG_FILE, e.file() + ":" + e.line(), "no error", e.error(), "none (not a managed file)", "");
      }
    }
    return Next.CONTINUE;
  }

  /**
   * A standby whose reload changes where it streams from (primary_conninfo or primary_slot_name)
   * restarts its WAL receiver; a first attempt that fails (the new primary's slot not made yet)
   * would leave it waiting PostgreSQL's retry interval, 5 s, so the reload sees it stream.
   */
  private static Optional<RecoveryRetryWait.Upstream> awaitReceiver(PlanBuilder plan, ServerFact.Running server,
      Map<String, String> want, List<String> reload) {
    String conninfo = want.get("primary_conninfo");
    if (!plan.replica() || !server.inRecovery() || conninfo == null
        || !(reload.contains("primary_conninfo") || reload.contains("primary_slot_name"))) {
      return Optional.empty();
    }
    return Optional.of(RecoveryRetryWait.Upstream.of(conninfo, want.get("primary_slot_name")));
  }

  /** Why the server must reload: the settings, then pg_hba.conf, then postgresql.conf. */
  private static List<String> reloadReasons(PlanBuilder plan, ServerFact.ConfLoad load, List<String> reload) {
    List<String> reasons = new ArrayList<>();
    if (!reload.isEmpty()) {
      reasons.add("settings " + String.join(", ", reload));
    }
    Path hba = plan.pg().hbaConf();
    if (plan.hbaRecordsChanged()) {
      reasons.add("pg_hba.conf changed");
    } else if (plan.rewrites(hba)) {
      reasons.add("pg_hba.conf rewritten"); // else the next run would find it written, not loaded
    } else {
      notLoaded(plan, hba, load).ifPresent(reasons::add);
    }
    Path conf = plan.pg().postgresqlConf();
    if (plan.rewrites(conf)) {
      if (reasons.isEmpty()) {
        reasons.add("postgresql.conf rewritten");
      }
    } else {
      notLoaded(plan, conf, load).ifPresent(reasons::add);
    }
    return reasons;
  }

  /**
   * A managed file the server has not loaded: on disk as desired, but modified after the server
   * last loaded its config — written by a run that was killed before its reload, or edited and put
   * back by hand. Both times are compared to the microsecond (the server's resolution; a coarser
   * file system clock only makes the mtime earlier, never later), and a modification time after
   * the server's "now" is not judged (a clock set back, a file copied with a future mtime):
   * otherwise every run would reload. Adds the drift and returns the reload reason, or empty.
   */
  private static Optional<String> notLoaded(PlanBuilder plan, Path path, ServerFact.ConfLoad load) {
    if (!(plan.facts().file(path) instanceof FileFact.Present p) || p.modified().isEmpty()
        || load.loadedAt().isEmpty() || load.now().isEmpty()) {
      return Optional.empty();
    }
    Instant modified = p.modified().get().truncatedTo(ChronoUnit.MICROS);
    Instant loaded = load.loadedAt().get();
    if (!modified.isAfter(loaded) || modified.isAfter(load.now().get())) {
      return Optional.empty();
    }
    plan.drift(DriftKind.NOT_LOADED, path.toString(), "loaded by the server",
        "written at " + modified + ", but the server last loaded its config at " + loaded, "reload", "");
    return Optional.of(path.getFileName() + " written, not loaded");
  }

  /** ALWAYS restarts; WINDOW only while the maintenance window is open; NEVER does not. */
  private static boolean mayRestart(PlanBuilder plan) {
    RestartPolicy p = plan.desired().policy().restart();
    return p == RestartPolicy.ALWAYS || (p == RestartPolicy.WINDOW && plan.context().restartWindowOpen());
  }

  private static String restartRemedy(PlanBuilder plan) {
    RestartPolicy p = plan.desired().policy().restart();
    if (p == RestartPolicy.WINDOW) {
      return plan.context().restartWindowOpen()
          ? "restart (maintenance window open)"
          : "pending restart (policy.restart: window; waits for the maintenance window)";
    }
    return p == RestartPolicy.ALWAYS ? "restart" : "pending restart (policy.restart: never)";
  }
}
