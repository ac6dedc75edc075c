package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.pg.SettingValues;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The plan as the steps build it: the drift found (one per kind and subject), the refusals, the
 * actions in order and the restarts that wait for policy, plus what one step learned that a later
 * one needs (the binary directory, a bootstrap under way, a passfile already checked, pg_hba.conf
 * records that changed). Has no side effects outside itself.
 */
final class PlanBuilder {
  private final DesiredState desired;
  private final Facts facts;
  private final PlanContext context;
  private final Map<String, Drift> drifts = new LinkedHashMap<>();
  private final List<Action> actions = new ArrayList<>();
  private final List<Refusal> refusals = new ArrayList<>();
  private final List<String> pendingRestarts = new ArrayList<>();
  private Path bin;
  private boolean bootstrap;
  private boolean passfileChecked;
  private boolean hbaRecordsChanged;
  private Action.Promote promotion;

  PlanBuilder(DesiredState desired, Facts facts, PlanContext context) {
    this.desired = desired;
    this.facts = facts;
    this.context = context;
  }

  DesiredState desired() {
    return desired;
  }

  PostgresSpec pg() {
    return desired.postgres();
  }

  Facts facts() {
    return facts;
  }

  PlanContext context() {
    return context;
  }

  boolean replica() {
    return ManagedFiles.isReplica(desired);
  }

  /** The server as the later steps must see it: not running while a bootstrap makes its data directory. */
  ServerFact server() {
    return bootstrap ? new ServerFact.NotRunning("bootstrapping") : facts.server();
  }

  /** The running server, when there is one (never during a bootstrap). */
  Optional<ServerFact.Running> running() {
    return server() instanceof ServerFact.Running r ? Optional.of(r) : Optional.empty();
  }

  /** The directory of the server binaries; set by {@link BinariesStep}, the first step. */
  Path bin() {
    return bin;
  }

  void bin(Path directory) {
    this.bin = directory;
  }

  /** True once a step planned initdb or pg_basebackup: there is no server and no file to compare yet. */
  boolean bootstrap() {
    return bootstrap;
  }

  void bootstrapping() {
    this.bootstrap = true;
  }

  boolean passfileChecked() {
    return passfileChecked;
  }

  void passfileChecked(boolean checked) {
    this.passfileChecked = checked;
  }

  /** True when pg_hba.conf on disk holds other records than the desired ones (not only comments). */
  boolean hbaRecordsChanged() {
    return hbaRecordsChanged;
  }

  void hbaRecordsChanged(boolean changed) {
    this.hbaRecordsChanged = changed;
  }

  /** A promotion {@link RoleChangeStep} decided, for {@link PromoteStep} to plan once the settings are loaded. */
  void promoteAfterSettings(Action.Promote promote) {
    this.promotion = promote;
  }

  Optional<Action.Promote> promotion() {
    return Optional.ofNullable(promotion);
  }

  /** "peers[i].role (file:line:col)" of this host's peer entry: where a role change was asked for. */
  String selfField(String key) {
    return desired.where("peers[" + desired.peers().indexOf(desired.selfPeer()) + "]." + key);
  }

  /** Records a drift; a second drift of the same subject adds its remedy to the first. */
  void drift(DriftKind kind, String subject, String want, String have, String remedy, String where) {
    String k = key(kind, subject);
    Drift old = drifts.get(k);
    if (old == null) {
      drifts.put(k, new Drift(kind, subject, want, have, remedy, where));
    } else if (!old.remedy().contains(remedy)) {
      drifts.put(k, new Drift(kind, subject, old.desired(), old.actual(), old.remedy() + ", " + remedy, old.where()));
    }
  }

  boolean hasDrift(DriftKind kind, String subject) {
    return drifts.containsKey(key(kind, subject));
  }

  int driftCount() {
    return drifts.size();
  }

  void refuse(RefusalReason reason, String subject, String detail) {
    refusals.add(new Refusal(reason, subject, detail));
  }

  void add(Action action) {
    actions.add(action);
  }

  void pendingRestart(String setting) {
    pendingRestarts.add(setting);
  }

  /** True when an action so far rewrites {@code path}. */
  boolean rewrites(Path path) {
    return actions.stream().anyMatch(a -> a instanceof Action.WriteFile w && w.path().equals(path));
  }

  /**
   * The file as found when its bytes differ from {@code rendered}; empty when they are the same,
   * or when it cannot be read (then a refusal is recorded).
   */
  Optional<FileFact> differingFile(Path path, String rendered) {
    FileFact onDisk = facts.file(path);
    if (onDisk instanceof FileFact.Unreadable u) {
      refuse(RefusalReason.FILE_UNREADABLE, path.toString(), u.reason());
      return Optional.empty();
    }
    if (onDisk instanceof FileFact.Present p && Arrays.equals(p.bytes(), rendered.getBytes(StandardCharsets.UTF_8))) {
      return Optional.empty();
    }
    return Optional.of(onDisk);
  }

  /** The bytes a file held before a rewrite, for {@code check --diff}; empty when it was absent. */
  static Optional<byte[]> previous(FileFact f) {
    return f instanceof FileFact.Present p ? Optional.of(p.bytes()) : Optional.empty();
  }

  /** Where pg_ctl writes the server's log while pgconverge starts it. */
  Path startLog() {
    return pg().data().resolve("log").resolve("pgconverge-start.log");
  }

  /** True when {@code actual} means {@code desiredValue} for a setting of {@code type}'s unit and type. */
  static boolean sameValue(LiveSetting type, String actual, String desiredValue) {
    if (actual.equals(desiredValue)) {
      return true;
    }
    return type != null && SettingValues.sameMeaning(actual, desiredValue, type.vartype(), type.unit());
  }

  Plan build() {
    return new Plan(List.copyOf(drifts.values()), actions, refusals, pendingRestarts);
  }

  private static String key(DriftKind kind, String subject) {
    return kind + "\u0000" + subject;
  }
}
