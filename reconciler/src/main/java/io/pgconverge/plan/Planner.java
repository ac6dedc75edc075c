package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.ReclonePolicy;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.desired.RestartPolicy;
import io.pgconverge.desired.RoleSpec;
import io.pgconverge.observe.BinaryFact;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.PackagedCluster;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.FileSettingError;
import io.pgconverge.observe.LiveRole;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.UpstreamFact;
import io.pgconverge.observe.ReplicationRow;
import io.pgconverge.observe.SlotRow;
import io.pgconverge.observe.WalReceiverRow;
import io.pgconverge.observe.Secret;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.pg.ConfEntry;
import io.pgconverge.pg.ConfFile;
import io.pgconverge.pg.ConfParser;
import io.pgconverge.pg.ConfSyntaxException;
import io.pgconverge.pg.HotStandby;
import io.pgconverge.pg.Conninfo;
import io.pgconverge.pg.Passfile;
import io.pgconverge.pg.Rewind;
import io.pgconverge.pg.PasswordVerifiers;
import io.pgconverge.pg.SettingContext;
import io.pgconverge.pg.SettingValues;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what this host needs: {@code plan(desired, facts)} returns the drift and the actions
 * that fix it. Pure: no I/O, no logger, no clock; the same inputs always give the same plan.
 *
 * <p>The decision, in order:
 *
 * <ol>
 *   <li>Without server binaries nothing can be done: refuse.
 *   <li>Data directory: foreign content or an unreadable directory is refused and nothing else is
 *       planned (the data is never touched). Missing or empty: on the primary initdb, on a replica
 *       pg_basebackup from the primary (both built beside PGDATA and moved into place when
 *       complete); a replica whose primary is unreachable is refused and PGDATA left alone. A
 *       replica's initialized PGDATA whose system identifier is not the primary's is refused.
 *   <li>postgresql.conf is rendered in full and compared byte for byte with the file on disk. When
 *       the bytes differ, each setting is compared by meaning (units and booleans normalised with
 *       the live server's pg_settings types) to name the drift; if no setting differs the drift is
 *       layout or comments only. The new file is validated by the server binary, then written.
 *   <li>pg_hba.conf likewise, line by line.
 *   <li>ALTER SYSTEM overrides of a managed setting in postgresql.auto.conf are drift and are
 *       reset.
 *   <li>Server: stopped, it is started. Running, every managed setting's live value is compared
 *       with the desired one by meaning: a mismatch of a reloadable setting (or a changed
 *       pg_hba.conf, or a setting removed from the file) asks for a reload, which is confirmed
 *       afterwards; a mismatch of a postmaster setting asks for a restart, done under {@code
 *       policy.restart: always}, or under {@code window} while the {@link PlanContext} says the
 *       maintenance window is open, and otherwise reported as pending on every run.
 *   <li>Replica: its passfile (beside PGDATA, mode 0600) and standby.signal must exist;
 *       primary_conninfo and primary_slot_name are managed settings of postgresql.conf (step 3
 *       and 6 fix them). A hot-standby-sensitive setting lower than the primary's is reported, and
 *       a WAL receiver that does not stream.
 *   <li>Primary: one physical slot {@code pgc_<peer>} per replica peer; slots with that prefix for
 *       peers no longer listed are dropped when not in use (other slots are never touched); a
 *       listed replica that does not stream is reported.
 *   <li>Roles, on a running primary: each listed role is created or altered to match; its
 *       password is checked against the stored verifier and set, hashed here, only when it does
 *       not match. Roles not listed are left alone.
 * </ol>
 */
public final class Planner {
  private final DesiredState desired;
  private final Facts facts;
  private final PostgresSpec pg;
  private final PlanContext context;
  private final Map<String, Drift> drifts = new LinkedHashMap<>();
  private final List<Action> actions = new ArrayList<>();
  private final List<Refusal> refusals = new ArrayList<>();
  private final List<String> pendingRestarts = new ArrayList<>();

  private Planner(DesiredState desired, Facts facts, PlanContext context) {
    this.desired = desired;
    this.facts = facts;
    this.pg = desired.postgres();
    this.context = context;
  }

  /** Plans the convergence of this host with no maintenance window open; has no side effects. */
  public static Plan plan(DesiredState desired, Facts facts) {
    return plan(desired, facts, PlanContext.DEFAULT);
  }

  /** Plans the convergence of this host at the moment {@code context} describes; has no side effects. */
  public static Plan plan(DesiredState desired, Facts facts, PlanContext context) {
    return new Planner(desired, facts, context).build();
  }

  /**
   * Step 0: a cluster of Debian's postgresql-common in the way: one whose postgresql.conf (in
   * another config directory) names this PGDATA, which its own unit would start; or one whose
   * server runs on this port, which this server cannot bind (and whose socket pgconverge would
   * mistake for its own). Refused with the remedy; returns true when it refused.
   */
  private boolean refusePackagedCluster() {
    for (PackagedCluster c : facts.packagedClusters()) {
      boolean sameData = c.dataDirectory().normalize().equals(pg.data().toAbsolutePath().normalize());
      if (sameData && !c.configDir().normalize().equals(pg.config().toAbsolutePath().normalize())) {
        refuse(RefusalReason.PACKAGED_CLUSTER, "data directory " + pg.data(),
            "it is the data directory of Debian's cluster " + c.describe() + "; " + c.remedy());
        return true;
      }
      if (!sameData && c.running() && c.port() == desired.port()) {
        refuse(RefusalReason.PACKAGED_CLUSTER, "port " + desired.port(),
            "Debian's cluster " + c.describe() + " listens on it; " + c.remedy());
        return true;
      }
    }
    return false;
  }

  private Plan build() {
    if (!(facts.binaries() instanceof BinaryFact.Found found)) {
      refuse(RefusalReason.NO_BINARIES, "postgres.bin", ((BinaryFact.NotFound) facts.binaries()).reason());
      return result();
    }
    Path bin = found.directory();
    if (refusePackagedCluster()) {
      return result();
    }
    DataDirectoryFact dataDir = facts.dataDirectory();
    boolean replica = ManagedFiles.isReplica(desired);
    boolean bootstrap = false;
    if (dataDir instanceof DataDirectoryFact.Foreign f) {
      refuse(RefusalReason.FOREIGN_DATA, "data directory " + f.path(), "found " + summarize(f.entries()));
      return result();
    } else if (dataDir instanceof DataDirectoryFact.Unreadable u) {
      refuse(RefusalReason.DATA_DIRECTORY_UNREADABLE, "data directory " + u.path(), u.reason());
      return result();
    } else if (dataDir instanceof DataDirectoryFact.Missing || dataDir instanceof DataDirectoryFact.Empty) {
      String state = dataDir instanceof DataDirectoryFact.Missing ? "missing" : "empty";
      if (replica) {
        if (facts.primary() instanceof PrimaryFact.Unreachable u) {
          refuse(RefusalReason.PRIMARY_UNREACHABLE, "primary " + desired.primary().name() + " at " + u.host() + ":" + u.port(), u.reason());
          return result();
        }
        Peer primary = desired.primary();
        drift(DriftKind.DATA_DIRECTORY, dataDir.path().toString(), "a copy of the primary", state,
            "pg_basebackup from " + primary.name(), desired.where("postgres.data"));
        planPassfile();
        actions.add(new Action.BaseBackup(pg.data(), bin, ManagedFiles.primaryConninfo(desired),
            primary.name() + " (" + primary.host() + ":" + primary.port() + ")", pg.config()));
      } else {
        drift(DriftKind.DATA_DIRECTORY, dataDir.path().toString(), "initialized cluster", state, "initdb", desired.where("postgres.data"));
        actions.add(new Action.InitDataDirectory(pg.data(), bin, pg.user(), pg.initdbArgs(), pg.config()));
      }
      bootstrap = true;
    } else if (replica && dataDir instanceof DataDirectoryFact.Initialized init
        && init.control().isPresent() && facts.primary() instanceof PrimaryFact.Reachable p
        && !init.control().get().systemIdentifier().equals(p.systemIdentifier())) {
      refuse(RefusalReason.FOREIGN_CLUSTER, "data directory " + init.path(),
          "its system identifier " + init.control().get().systemIdentifier() + " is not the primary's "
              + p.systemIdentifier() + " (" + desired.primary().name() + ")");
      return result();
    }

    ServerFact server = bootstrap ? new ServerFact.NotRunning("bootstrapping") : facts.server();
    Map<String, LiveSetting> live =
        server instanceof ServerFact.Running r ? r.settings() : Map.of();
    if (server instanceof ServerFact.Unreachable u) {
      refuse(RefusalReason.SERVER_UNREACHABLE, "server on port " + desired.port(), u.reason());
    }

    boolean rejoin = false;
    if (!bootstrap && server instanceof ServerFact.Running r) {
      if (!replica && r.inRecovery()) {
        // The slots its replicas will use are made while it is still a standby (physical slots
        // work there): a replica that follows early finds its slot and crosses to the new
        // timeline without a failed attempt (which would cost it wal_retrieve_retry_interval).
        planSlots(r);
        Optional<String> proof = promotionProof();
        if (proof.isEmpty()) {
          return result();
        }
        drift(DriftKind.SERVER, "role", "primary", "replica (in recovery)", "promote", roleField());
        if (SynchronousStandbys.of(desired).isPresent() && planPostgresqlConf(bin, false, live)) {
          // the primary's postgresql.conf (synchronous_standby_names) is loaded before pg_promote,
          // so not one commit is acknowledged asynchronously in between
          actions.add(new Action.ReloadServer(List.of("synchronous_standby_names before promotion"), List.of()));
        }
        actions.add(new Action.Promote(proof.get()));
      } else if (replica && !r.inRecovery()) {
        if (facts.primary() instanceof PrimaryFact.Reachable p
            && !p.systemIdentifier().equals(r.replication().systemIdentifier())) {
          refuse(RefusalReason.FOREIGN_CLUSTER, "server on port " + desired.port(),
              "it is a primary of system " + r.replication().systemIdentifier() + ", not of the desired primary's "
                  + p.systemIdentifier() + " (" + desired.primary().name() + "); it is left running");
          return result();
        }
        drift(DriftKind.SERVER, "role", "replica of " + desired.primary().name(), "primary (accepts writes)",
            "stop it cleanly, then rejoin " + desired.primary().name() + " as a replica", roleField());
        actions.add(new Action.StopServer(pg.config(), bin,
            "stepping down: the desired state makes " + desired.primary().name() + " the primary"));
        return result();
      }
    } else if (replica && !bootstrap && server instanceof ServerFact.NotRunning
        && !(facts.file(pg.standbySignal()) instanceof FileFact.Present)) {
      Peer primary = desired.primary();
      if (facts.primary() instanceof PrimaryFact.Unreachable u) {
        refuse(RefusalReason.WAITING_FOR_PRIMARY, "rejoin as a replica of " + primary.name(),
            "the new primary cannot be asked (" + u.reason() + "); the server stays stopped");
        return result();
      }
      if (facts.primary() instanceof PrimaryFact.Reachable p && p.answer().inRecovery()) {
        refuse(RefusalReason.WAITING_FOR_PRIMARY, "rejoin as a replica of " + primary.name(),
            primary.name() + " answers but is not promoted yet; the server stays stopped");
        return result();
      }
      drift(DriftKind.SERVER, "role", "replica of " + primary.name(), "stopped, without standby.signal (a former primary)",
          "pg_rewind from " + primary.name() + ", then start as a replica", roleField());
      planPassfile();
      actions.add(new Action.Rewind(pg.data(), bin, rewindConninfo(), primary.name() + " (" + primary.host() + ":" + primary.port() + ")",
          desired.policy().reclone() == ReclonePolicy.MOVE_ASIDE));
      rejoin = true;
    }

    boolean confChanged = planPostgresqlConf(bin, bootstrap, live);
    boolean hbaChanged = planHba(bootstrap);
    planAutoConf(bootstrap, server);

    if (replica) {
      if (!bootstrap && !rejoin) {
        planPassfile();
      }
      planStandby(bootstrap, server);
    }

    if (server instanceof ServerFact.NotRunning stopped) {
      if (stopped.crashed()) {
        drift(DriftKind.SERVER, "postmaster", "running", "crashed (" + stopped.reason() + ")",
            "start it again (crash recovery)", "");
      } else if (!bootstrap) {
        drift(DriftKind.SERVER, "postmaster", "running", "stopped", "start", "");
      }
      actions.add(new Action.StartServer(pg.config(), pg.data(), bin, startLog(), stopped.crashed()));
    } else if (server instanceof ServerFact.Running r) {
      planLiveSettings(r, bin, hbaChanged, confChanged, hbaWritten(), r.confLoad());
      if (!r.inRecovery()) {
        planRoles(r);
        if (!replica) {
          planRewindRole(r);
          planSlots(r);
          planReplicaHealth(r);
        }
      } else if (replica) {
        planReceiverHealth(r);
        planLeftoverSlots(r);
      }
    }
    return result();
  }

  // ---- postgresql.conf ----------------------------------------------------------------------

  /**
   * The file as found when its bytes differ from {@code rendered}; empty when they are the same,
   * or when it cannot be read (then a refusal is recorded).
   */
  private Optional<FileFact> differingFile(Path path, String rendered) {
    FileFact onDisk = facts.file(path);
    if (onDisk instanceof FileFact.Unreadable u) {
      refuse(RefusalReason.FILE_UNREADABLE, path.toString(), u.reason());
      return Optional.empty();
    }
    if (onDisk instanceof FileFact.Present p && Arrays.equals(p.bytes(), bytes(rendered))) {
      return Optional.empty();
    }
    return Optional.of(onDisk);
  }

  private boolean planPostgresqlConf(Path bin, boolean bootstrap, Map<String, LiveSetting> live) {
    Path path = pg.postgresqlConf();
    String rendered = ManagedFiles.postgresqlConf(desired);
    Optional<FileFact> stale = differingFile(path, rendered);
    if (stale.isEmpty()) {
      return false;
    }
    FileFact onDisk = stale.get();
    if (!bootstrap) {
      if (onDisk instanceof FileFact.Present p) {
        int before = drifts.size();
        compareConfSettings(p, live);
        if (drifts.size() == before) {
          drift(DriftKind.CONFIG_FILE, path.toString(), "managed content", "layout or comments differ", "rewrite", "");
        }
      } else {
        drift(DriftKind.CONFIG_FILE, path.toString(), "managed content", "absent", "write", "");
      }
    }
    actions.add(new Action.ValidateConfig(path, rendered, bin));
    actions.add(new Action.WriteFile(path, rendered, previous(onDisk), "settings from " + desired.source().getFileName()));
    return true;
  }

  private void compareConfSettings(FileFact.Present onDisk, Map<String, LiveSetting> live) {
    ConfFile parsed;
    try {
      parsed = ConfParser.parse(onDisk.text());
    } catch (ConfSyntaxException e) {
      drift(DriftKind.CONFIG_FILE, onDisk.path().toString(), "managed content",
          "does not parse at line " + e.line() + ": " + e.getMessage(), "rewrite", "");
      return;
    }
    Map<String, ConfEntry> disk = parsed.effective();
    Map<String, String> want = ManagedFiles.settings(desired);
    for (Map.Entry<String, String> w : want.entrySet()) {
      ConfEntry d = disk.get(w.getKey());
      if (d == null) {
        drift(DriftKind.SETTING, w.getKey(), w.getValue(), "absent from " + onDisk.path().getFileName(),
            "rewrite " + onDisk.path().getFileName(), ManagedFiles.fieldOf(desired, w.getKey()));
      } else if (!same(live.get(w.getKey()), d.value(), w.getValue())) {
        drift(DriftKind.SETTING, w.getKey(), w.getValue(), d.value() + " (" + onDisk.path().getFileName() + ":" + d.line() + ")",
            "rewrite " + onDisk.path().getFileName(), ManagedFiles.fieldOf(desired, w.getKey()));
      }
    }
    for (ConfEntry d : disk.values()) {
      if (!want.containsKey(d.name())) {
        drift(DriftKind.SETTING, d.name(), "not set", d.value() + " (" + onDisk.path().getFileName() + ":" + d.line() + ")",
            "rewrite " + onDisk.path().getFileName(), "");
      }
    }
    if (!parsed.includes().isEmpty()) {
      drift(DriftKind.CONFIG_FILE, onDisk.path().toString(), "no include directives",
          parsed.includes().size() + " include directive(s)", "rewrite", "");
    }
  }

  // ---- pg_hba.conf --------------------------------------------------------------------------

  private boolean planHba(boolean bootstrap) {
    Path path = pg.hbaConf();
    String rendered = ManagedFiles.hbaConf(desired);
    Optional<FileFact> stale = differingFile(path, rendered);
    if (stale.isEmpty()) {
      return false;
    }
    FileFact onDisk = stale.get();
    if (!bootstrap) {
      if (onDisk instanceof FileFact.Present p) {
        List<String> want = records(rendered);
        List<String> have = records(p.text());
        int before = drifts.size();
        for (int i = 0; i < want.size(); i++) {
          String w = want.get(i);
          int at = have.indexOf(w);
          if (at < 0) {
            drift(DriftKind.HBA, "pg_hba.conf record " + (i + 1), w, "missing", "rewrite pg_hba.conf, reload", desired.where("postgres.hba"));
          } else if (at != i) {
            drift(DriftKind.HBA, "pg_hba.conf record " + (i + 1), w, "at position " + (at + 1) + " (order matters: first match wins)",
                "rewrite pg_hba.conf, reload", desired.where("postgres.hba"));
          }
        }
        for (String h : have) {
          if (!want.contains(h)) {
            drift(DriftKind.HBA, "pg_hba.conf record", "absent", h, "rewrite pg_hba.conf, reload", "");
          }
        }
        if (drifts.size() == before) {
          drift(DriftKind.CONFIG_FILE, path.toString(), "managed content", "layout or comments differ", "rewrite", "");
        }
      } else {
        drift(DriftKind.CONFIG_FILE, path.toString(), "managed content", "absent", "write", "");
      }
    }
    actions.add(new Action.WriteFile(path, rendered, previous(onDisk), "hba lines from " + desired.source().getFileName()));
    return onDisk instanceof FileFact.Present p && !normalizedRecords(p.text()).equals(normalizedRecords(rendered));
  }

  /** Non-comment, non-blank lines with white space folded: what the server reads. */
  private static List<String> records(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String s = line.replaceAll("#.*$", "").strip();
      if (!s.isEmpty()) {
        out.add(s.replaceAll("\\s+", " "));
      }
    }
    return out;
  }

  private static List<String> normalizedRecords(String text) {
    return records(text);
  }

  // ---- postgresql.auto.conf -----------------------------------------------------------------

  private void planAutoConf(boolean bootstrap, ServerFact server) {
    if (bootstrap) {
      return;
    }
    Path path = pg.autoConf();
    FileFact onDisk = facts.file(path);
    if (!(onDisk instanceof FileFact.Present p)) {
      return;
    }
    ConfFile parsed;
    try {
      parsed = ConfParser.parse(p.text());
    } catch (ConfSyntaxException e) {
      refuse(RefusalReason.CONFIG_UNPARSEABLE, path.toString(), "line " + e.line() + ": " + e.getMessage());
      return;
    }
    Map<String, String> managed = ManagedFiles.settings(desired);
    Set<String> overridden = new LinkedHashSet<>();
    for (ConfEntry e : parsed.entries()) {
      if (managed.containsKey(e.name()) && overridden.add(e.name())) {
        drift(DriftKind.ALTER_SYSTEM, e.name(), "not overridden (" + managed.get(e.name()) + " from postgresql.conf)",
            e.value() + " (postgresql.auto.conf:" + e.line() + ")", "ALTER SYSTEM RESET", ManagedFiles.fieldOf(desired, e.name()));
      }
    }
    if (overridden.isEmpty()) {
      return;
    }
    if (server instanceof ServerFact.Running) {
      actions.add(new Action.ResetAlterSystem(List.copyOf(overridden)));
    } else {
      StringBuilder kept = new StringBuilder();
      List<String> lines = p.text().lines().toList();
      Set<Integer> drop = new LinkedHashSet<>();
      for (ConfEntry e : parsed.entries()) {
        if (overridden.contains(e.name())) {
          drop.add(e.line());
        }
      }
      for (int i = 0; i < lines.size(); i++) {
        if (!drop.contains(i + 1)) {
          kept.append(lines.get(i)).append('\n');
        }
      }
      actions.add(new Action.WriteFile(path, kept.toString(), Optional.of(p.bytes()), "remove ALTER SYSTEM overrides of managed settings"));
    }
  }

  // ---- the running server -------------------------------------------------------------------

  /** True when this plan rewrites pg_hba.conf (its records or only its comments). */
  private boolean hbaWritten() {
    return actions.stream().anyMatch(a -> a instanceof Action.WriteFile w && w.path().equals(pg.hbaConf()));
  }

  /**
   * A managed file the server has not loaded: on disk as desired, but modified after the server
   * last loaded its config ({@code pg_conf_load_time()}) — written by a run that was killed before
   * its reload, or edited and put back by hand. Both times are compared to the microsecond (the
   * server's resolution; a coarser file system clock only makes the mtime earlier, never later),
   * and a modification time after the server's "now" is not judged (a clock set back, a file
   * copied with a future mtime): otherwise every run would reload. Adds the drift and returns
   * the reload reason, or empty.
   */
  private Optional<String> notLoaded(Path path, ServerFact.ConfLoad load) {
    if (!(facts.file(path) instanceof FileFact.Present p) || p.modified().isEmpty()
        || load.loadedAt().isEmpty() || load.now().isEmpty()) {
      return Optional.empty();
    }
    java.time.Instant modified = p.modified().get().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    java.time.Instant loaded = load.loadedAt().get();
    if (!modified.isAfter(loaded) || modified.isAfter(load.now().get())) {
      return Optional.empty();
    }
    drift(DriftKind.NOT_LOADED, path.toString(), "loaded by the server",
        "written at " + modified + ", but the server last loaded its config at " + loaded, "reload", "");
    return Optional.of(path.getFileName() + " written, not loaded");
  }

  private void planLiveSettings(ServerFact.Running server, Path bin, boolean hbaChanged, boolean confWritten,
      boolean hbaWritten, ServerFact.ConfLoad load) {
    Map<String, String> want = ManagedFiles.settings(desired);
    List<String> reload = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    List<ExpectedSetting> expect = new ArrayList<>();
    for (Map.Entry<String, String> w : want.entrySet()) {
      LiveSetting ls = server.settings().get(w.getKey());
      if (ls == null || same(ls, ls.setting(), w.getValue())) {
        continue;
      }
      String actual = ls.setting() + (ls.unit() == null ? "" : " (unit " + ls.unit() + ")") + " in the running server";
      String field = ManagedFiles.fieldOf(desired, w.getKey());
      if (SettingContext.of(ls.context()).needsRestart()) {
        restart.add(w.getKey());
        drift(DriftKind.SETTING, w.getKey(), w.getValue(), actual, restartRemedy(), field);
      } else {
        reload.add(w.getKey());
        expect.add(new ExpectedSetting(w.getKey(), w.getValue(), ls.vartype(), ls.unit()));
        drift(DriftKind.SETTING, w.getKey(), w.getValue(), actual, "reload", field);
      }
    }
    String conf = pg.postgresqlConf().toString();
    for (LiveSetting ls : server.settings().values()) {
      if (want.containsKey(ls.name())) {
        if (ls.pendingRestart() && !restart.contains(ls.name())) {
          restart.add(ls.name());
        }
        continue;
      }
      if ("configuration file".equals(ls.source()) && conf.equals(ls.sourcefile())) {
        String remedy = SettingContext.of(ls.context()).needsRestart() ? restartRemedy() : "reload";
        drift(DriftKind.SETTING, ls.name(), "default (not in the desired state)", ls.setting() + " in the running server", remedy, "");
        (remedy.equals("reload") ? reload : restart).add(ls.name());
      } else if (ls.pendingRestart()) {
        restart.add(ls.name());
      }
    }
    List<String> reasons = new ArrayList<>();
    if (!reload.isEmpty()) {
      reasons.add("settings " + String.join(", ", reload));
    }
    if (hbaChanged) {
      reasons.add("pg_hba.conf changed");
    } else if (hbaWritten) {
      reasons.add("pg_hba.conf rewritten"); // else the next run would find it written, not loaded
    } else {
      notLoaded(pg.hbaConf(), load).ifPresent(reasons::add);
    }
    if (confWritten) {
      if (reasons.isEmpty()) {
        reasons.add("postgresql.conf rewritten");
      }
    } else {
      notLoaded(pg.postgresqlConf(), load).ifPresent(reasons::add);
    }
    boolean restarting = !restart.isEmpty() && mayRestart();
    if (!restart.isEmpty()) {
      if (restarting) {
        actions.add(new Action.RestartServer(pg.config(), pg.data(), bin, startLog(),
            List.of("settings that need a restart: " + String.join(", ", restart))));
      } else {
        for (String name : restart) {
          pendingRestarts.add(name);
          if (!drifts.containsKey(key(DriftKind.SETTING, name))) {
            drift(DriftKind.PENDING_RESTART, name, "loaded", "waits for a restart", restartRemedy(), ManagedFiles.fieldOf(desired, name));
          }
        }
      }
    }
    if (!reasons.isEmpty() && !restarting) {
      actions.add(new Action.ReloadServer(reasons, expect));
    }
    for (FileSettingError e : server.configErrors()) {
      if (!conf.equals(e.file()) && !pg.hbaConf().toString().equals(e.file())) {
        drift(DriftKind.CONFIG_FILE, e.file() + ":" + e.line(), "no error", e.error(), "none (not a managed file)", "");
      }
    }
  }

  /** ALWAYS restarts; WINDOW only while the maintenance window is open; NEVER does not. */
  private boolean mayRestart() {
    RestartPolicy p = desired.policy().restart();
    return p == RestartPolicy.ALWAYS || (p == RestartPolicy.WINDOW && context.restartWindowOpen());
  }

  private String restartRemedy() {
    RestartPolicy p = desired.policy().restart();
    if (p == RestartPolicy.WINDOW) {
      return context.restartWindowOpen()
          ? "restart (maintenance window open)"
          : "pending restart (policy.restart: window; waits for the maintenance window)";
    }
    return p == RestartPolicy.ALWAYS ? "restart" : "pending restart (policy.restart: never)";
  }

  // ---- replication -------------------------------------------------------------------------

  private String roleField() {
    return desired.where("peers[" + desired.peers().indexOf(desired.selfPeer()) + "].role");
  }

  /**
   * Why it is safe to promote now, or empty (with a refusal) when it is not. Only proof counts:
   * the former primary answers and is in recovery, its host refuses the connection (no server),
   * or the desired state no longer lists it. Silence is not proof.
   */
  private Optional<String> promotionProof() {
    UpstreamFact up = facts.upstream();
    if (up instanceof UpstreamFact.Unlisted u) {
      return Optional.of("the desired state no longer lists the former primary " + u.host() + ":" + u.port());
    }
    if (up instanceof UpstreamFact.Asked a) {
      String who = "former primary " + a.peer() + " (" + a.host() + ":" + a.port() + ")";
      if (a.answer() instanceof PeerAnswer.Answered ans) {
        if (ans.inRecovery()) {
          return Optional.of(who + " answers and is in recovery");
        }
        refuse(RefusalReason.PROMOTION_BLOCKED, "promotion of " + desired.self(),
            who + " still accepts writes; it must step down first (it does when it gets this desired state)");
        return Optional.empty();
      }
      if (a.answer() instanceof PeerAnswer.Refused r) {
        return Optional.of(who + " refuses connections: its server is down (" + r.reason() + ")");
      }
      refuse(RefusalReason.PROMOTION_BLOCKED, "promotion of " + desired.self(),
          who + " does not answer (" + ((PeerAnswer.Silent) a.answer()).reason()
              + "); silence is not proof, so the promotion waits (remove it from peers to fail over)");
      return Optional.empty();
    }
    refuse(RefusalReason.PROMOTION_BLOCKED, "promotion of " + desired.self(), "the server it replicates from cannot be asked");
    return Optional.empty();
  }

  /** How pg_rewind reaches the new primary: its role, database postgres, the same passfile. */
  private String rewindConninfo() {
    Peer primary = desired.primary();
    Map<String, String> c = new LinkedHashMap<>();
    c.put("host", primary.host());
    c.put("port", Integer.toString(primary.port()));
    c.put("user", Rewind.ROLE);
    c.put("dbname", "postgres");
    c.put("passfile", pg.passfile().toString());
    if (pg.ssl().isPresent()) {
      c.put("sslmode", "verify-full");
      c.put("sslrootcert", pg.ssl().get().caFile().toString());
    }
    return Conninfo.render(c);
  }

  private void planRewindRole(ServerFact.Running server) {
    if (desired.replication().isEmpty()) {
      return;
    }
    Secret secret = facts.secrets().get(desired.replication().get().passwordFile());
    if (!(secret instanceof Secret.Readable password)) {
      return;
    }
    LiveRole role = server.roles().get(Rewind.ROLE);
    String problem = role == null ? "absent"
        : !role.login() || role.superuser() ? "wrong attributes"
        : !server.replication().rewindRoleReady() ? "missing EXECUTE on pg_rewind's file functions"
        : role.verifier().isEmpty() || !PasswordVerifiers.matches(password.value(), Rewind.ROLE, role.verifier().get())
            ? "a different password" : null;
    if (problem != null) {
      drift(DriftKind.ROLE, Rewind.ROLE, "login, no superuser, EXECUTE on pg_rewind's functions, the replication password",
          problem, "create or fix it", "");
      actions.add(new Action.EnsureRewindRole(password));
    }
  }

  /** A former primary now a replica: the slots it kept for others only hold WAL back here. */
  private void planLeftoverSlots(ServerFact.Running server) {
    for (SlotRow slot : server.replication().slots()) {
      if (slot.name().startsWith("pgc_") && !slot.active()) {
        drift(DriftKind.SLOT, slot.name(), "absent on a replica", "present (left from when this server was primary)", "drop it", "");
        actions.add(new Action.DropSlot(slot.name()));
      }
    }
  }

  private void planPassfile() {
    ReplicationSpec rep = desired.replication().orElseThrow();
    Secret secret = facts.secrets().get(rep.passwordFile());
    if (!(secret instanceof Secret.Readable password)) {
      String why = secret instanceof Secret.Unreadable u ? u.reason() : "not read";
      refuse(RefusalReason.SECRET_UNREADABLE, "replication.password_file " + rep.passwordFile(), why);
      return;
    }
    Peer primary = desired.primary();
    String want = Passfile.render(primary.host(), primary.port(), List.of(rep.user(), Rewind.ROLE), password.value());
    FileFact have = facts.file(pg.passfile());
    if (have instanceof FileFact.Present p && p.text().equals(want)) {
      return;
    }
    drift(DriftKind.STANDBY, "passfile " + pg.passfile(), "an entry for " + rep.user() + "@" + primary.host() + ":" + primary.port(),
        have instanceof FileFact.Present ? "a different entry" : "absent", "write it", desired.where("replication.password_file"));
    actions.add(new Action.WritePassfile(pg.passfile(), primary.host(), primary.port(), rep.user(), password));
  }

  private void planStandby(boolean bootstrap, ServerFact server) {
    if (!bootstrap && !(facts.file(pg.standbySignal()) instanceof FileFact.Present)) {
      if (server instanceof ServerFact.Running r && !r.inRecovery()) {
        refuse(RefusalReason.ROLE_CHANGE, "server on port " + desired.port(),
            "it runs as a primary but " + desired.where("peers[" + desired.peers().indexOf(desired.selfPeer()) + "].role")
                + " says replica; it is left running as it is");
        return;
      }
      drift(DriftKind.STANDBY, pg.standbySignal().toString(), "present", "absent", "create it", "");
      actions.add(new Action.WriteFile(pg.standbySignal(), "", Optional.empty(), "standby mode"));
    }
    if (facts.primary() instanceof PrimaryFact.Reachable p) {
      Map<String, LiveSetting> live = server instanceof ServerFact.Running r ? r.settings() : Map.of();
      for (String name : HotStandby.SENSITIVE_SETTINGS) {
        String mine = pg.settings().containsKey(name) ? pg.settings().get(name)
            : live.containsKey(name) ? live.get(name).setting() : null;
        String theirs = p.settings().get(name);
        if (mine == null || theirs == null) {
          continue;
        }
        try {
          if (Long.parseLong(mine.strip()) < Long.parseLong(theirs.strip())) {
            drift(DriftKind.STANDBY, name, "at least " + theirs + " (the primary's value)", mine,
                "none: a hot standby with less than its primary stops; raise it in the desired state or lower it on the primary first",
                ManagedFiles.fieldOf(desired, name));
            refuse(RefusalReason.HOT_STANDBY_SETTING, name,
                "this replica's " + mine + " is lower than the primary's " + theirs + " [" + ManagedFiles.fieldOf(desired, name) + "]");
          }
        } catch (NumberFormatException e) {
          // not a plain integer: nothing to compare
        }
      }
    }
  }

  private void planSlots(ServerFact.Running server) {
    ReplicationSpec rep = desired.replication().orElse(null);
    if (rep == null || !rep.slots()) {
      return;
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (Peer peer : desired.peers()) {
      if (peer.role() == PeerRole.REPLICA) {
        wanted.add(ManagedFiles.slotName(peer.name()));
      }
    }
    Map<String, SlotRow> have = new LinkedHashMap<>();
    for (SlotRow slot : server.replication().slots()) {
      have.put(slot.name(), slot);
    }
    for (String name : wanted) {
      SlotRow slot = have.get(name);
      if (slot == null) {
        drift(DriftKind.SLOT, name, "present", "absent", "create it", desired.where("replication.slots"));
        actions.add(new Action.CreateSlot(name));
      } else if ("lost".equals(slot.walStatus())) {
        drift(DriftKind.SLOT, name, "WAL reserved", "lost (max_slot_wal_keep_size exceeded)",
            "none: the replica needs a new base backup", "");
      }
    }
    for (SlotRow slot : have.values()) {
      if (slot.name().startsWith("pgc_") && !wanted.contains(slot.name())) {
        if (slot.active()) {
          drift(DriftKind.SLOT, slot.name(), "absent (no such replica peer)", "present and in use", "none while it is in use", "");
        } else {
          drift(DriftKind.SLOT, slot.name(), "absent (no such replica peer)", "present", "drop it", "");
          actions.add(new Action.DropSlot(slot.name()));
        }
      }
    }
  }

  private void planReplicaHealth(ServerFact.Running server) {
    for (Peer peer : desired.peers()) {
      if (peer.role() != PeerRole.REPLICA) {
        continue;
      }
      Optional<ReplicationRow> row = server.replication().senders().stream()
          .filter(r -> peer.name().equals(r.applicationName())).findFirst();
      if (row.isEmpty()) {
        drift(DriftKind.REPLICATION, peer.name(), "streaming", "not connected", "none here: see " + peer.name() + "'s own report", "");
      } else if (!row.get().streaming()) {
        drift(DriftKind.REPLICATION, peer.name(), "streaming", row.get().state() + (row.get().replayLsn() == null ? " (nothing replayed yet)" : ""),
            "none here: see " + peer.name() + "'s own report", "");
      }
    }
    SynchronousStandbys.commitsWaiting(desired, server.replication().senders()).ifPresent(why ->
        drift(DriftKind.REPLICATION, "synchronous commit", "enough standbys stream", why, "start a standby", desired.where("replication.synchronous")));
  }

  private void planReceiverHealth(ServerFact.Running server) {
    Peer primary = desired.primary();
    Optional<WalReceiverRow> receiver = server.replication().receiver();
    if (receiver.isEmpty()) {
      drift(DriftKind.REPLICATION, "wal receiver", "streaming from " + primary.host() + ":" + primary.port(), "not running",
          "none: the server retries by itself; see its log", "");
    } else if (!"streaming".equals(receiver.get().status())) {
      drift(DriftKind.REPLICATION, "wal receiver", "streaming from " + primary.host() + ":" + primary.port(),
          receiver.get().status() + " from " + receiver.get().senderHost(), "none: the server retries by itself; see its log", "");
    }
  }

  // ---- roles --------------------------------------------------------------------------------

  private void planRoles(ServerFact.Running server) {
    for (RoleSpec spec : desired.roles()) {
      Optional<Secret.Readable> password = Optional.empty();
      if (spec.passwordFile().isPresent()) {
        Secret s = facts.secrets().get(spec.passwordFile().get());
        if (s instanceof Secret.Readable r) {
          password = Optional.of(r);
        } else {
          String why = s instanceof Secret.Unreadable u ? u.reason() : "not read";
          refuse(RefusalReason.SECRET_UNREADABLE, "role " + spec.name() + " password_file " + spec.passwordFile().get(),
              why + " (" + desired.where(spec.field("password_file")) + ")");
        }
      }
      LiveRole live = server.roles().get(spec.name());
      if (live == null) {
        drift(DriftKind.ROLE, spec.name(), "present", "absent", "create role", desired.where("roles[" + spec.index() + "].name"));
        actions.add(new Action.CreateRole(spec, password));
        continue;
      }
      List<String> clauses = new ArrayList<>();
      attribute(spec, "login", spec.login(), live.login(), "LOGIN", "NOLOGIN", clauses);
      attribute(spec, "replication", spec.replication(), live.replication(), "REPLICATION", "NOREPLICATION", clauses);
      attribute(spec, "superuser", spec.superuser(), live.superuser(), "SUPERUSER", "NOSUPERUSER", clauses);
      attribute(spec, "createdb", spec.createdb(), live.createdb(), "CREATEDB", "NOCREATEDB", clauses);
      attribute(spec, "createrole", spec.createrole(), live.createrole(), "CREATEROLE", "NOCREATEROLE", clauses);
      if (spec.connectionLimit().isPresent() && spec.connectionLimit().get() != live.connectionLimit()) {
        drift(DriftKind.ROLE, spec.name() + ".connection_limit", spec.connectionLimit().get().toString(),
            Integer.toString(live.connectionLimit()), "alter role", desired.where(spec.field("connection_limit")));
        clauses.add("CONNECTION LIMIT " + spec.connectionLimit().get());
      }
      if (!clauses.isEmpty()) {
        actions.add(new Action.AlterRole(spec.name(), clauses));
      }
      if (password.isPresent()) {
        Optional<String> verifier = live.verifier();
        if (verifier.isEmpty() || !PasswordVerifiers.matches(password.get().value(), spec.name(), verifier.get())) {
          drift(DriftKind.ROLE, spec.name() + ".password", "the one in " + password.get().file(),
              verifier.isEmpty() ? "none set" : "a different password", "set password", desired.where(spec.field("password_file")));
          actions.add(new Action.SetPassword(spec.name(), password.get()));
        }
      }
    }
  }

  private void attribute(RoleSpec spec, String name, Optional<Boolean> want, boolean have, String yes, String no, List<String> clauses) {
    if (want.isPresent() && want.get() != have) {
      drift(DriftKind.ROLE, spec.name() + "." + name, want.get().toString(), Boolean.toString(have), "alter role",
          desired.where(spec.field(name)));
      clauses.add(want.get() ? yes : no);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static boolean same(LiveSetting type, String actual, String desiredValue) {
    if (actual.equals(desiredValue)) {
      return true;
    }
    if (type == null) {
      return false;
    }
    return SettingValues.sameMeaning(actual, desiredValue, type.vartype(), type.unit());
  }

  private Path startLog() {
    return pg.data().resolve("log").resolve("pgconverge-start.log");
  }

  private static Optional<byte[]> previous(FileFact f) {
    return f instanceof FileFact.Present p ? Optional.of(p.bytes()) : Optional.empty();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String summarize(List<String> entries) {
    List<String> shown = entries.subList(0, Math.min(5, entries.size()));
    return String.join(", ", shown) + (entries.size() > 5 ? " and " + (entries.size() - 5) + " more" : "");
  }

  private static String key(DriftKind kind, String subject) {
    return kind + "\u0000" + subject;
  }

  /** Records a drift; a second drift of the same subject adds its remedy to the first. */
  private void drift(DriftKind kind, String subject, String want, String have, String remedy, String where) {
    String k = key(kind, subject);
    Drift old = drifts.get(k);
    if (old == null) {
      drifts.put(k, new Drift(kind, subject, want, have, remedy, where));
    } else if (!old.remedy().contains(remedy)) {
      drifts.put(k, new Drift(kind, subject, old.desired(), old.actual(), old.remedy() + ", " + remedy, old.where()));
    }
  }

  private void refuse(RefusalReason reason, String subject, String detail) {
    refusals.add(new Refusal(reason, subject, detail));
  }

  private Plan result() {
    return new Plan(List.copyOf(drifts.values()), actions, refusals, pendingRestarts);
  }
}
