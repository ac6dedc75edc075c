package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.Secret;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.pg.HotStandby;
import io.pgconverge.pg.Passfile;
import io.pgconverge.pg.Rewind;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a replica needs beside its postgresql.conf (whose primary_conninfo and primary_slot_name
 * {@link PostgresqlConfStep} writes). Nothing on the primary.
 *
 * <ol>
 *   <li>The passfile beside PGDATA (mode 0600) holds the entries for the replication user and
 *       pg_rewind's role at the primary, with the password from {@code replication.password_file}
 *       (unreadable: refused); unless an earlier step already checked it.
 *   <li>standby.signal exists (except during a bootstrap: pg_basebackup -R writes it). A server
 *       without it that accepts writes is refused and left running.
 *   <li>Each hot-standby-sensitive setting (max_connections, max_wal_senders, …) at least the
 *       primary's: a lower one is drift and refused, since the replica would stop at its next start.
 * </ol>
 */
final class StandbyStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    if (!plan.replica()) {
      return Next.CONTINUE;
    }
    if (!plan.passfileChecked()) {
      planPassfile(plan);
    }
    DesiredState desired = plan.desired();
    PostgresSpec pg = plan.pg();
    ServerFact server = plan.server();
    if (!plan.bootstrap() && !(plan.facts().file(pg.standbySignal()) instanceof FileFact.Present)) {
      if (server instanceof ServerFact.Running r && !r.inRecovery()) {
        plan.refuse(RefusalReason.ROLE_CHANGE, "server on port " + desired.port(),
            "it runs as a primary but " + plan.selfField("role") + " says replica; it is left running as it is");
        return Next.CONTINUE;
      }
      plan.drift(DriftKind.STANDBY, pg.standbySignal().toString(), "present", "absent", "create it", "");
      plan.add(new Action.WriteFile(pg.standbySignal(), "", Optional.empty(), "standby mode"));
    }
    if (plan.facts().primary() instanceof PrimaryFact.Reachable p) {
      compareHotStandbySettings(plan, p);
    }
    return Next.CONTINUE;
  }

  private static void compareHotStandbySettings(PlanBuilder plan, PrimaryFact.Reachable primary) {
    Map<String, String> desiredSettings = plan.pg().settings();
    Map<String, LiveSetting> live = plan.running().map(ServerFact.Running::settings).orElse(Map.of());
    for (String name : HotStandby.SENSITIVE_SETTINGS) {
      String mine = desiredSettings.containsKey(name) ? desiredSettings.get(name)
          : live.containsKey(name) ? live.get(name).setting() : null;
      String theirs = primary.settings().get(name);
      if (mine == null || theirs == null) {
        continue;
      }
      try {
        if (Long.parseLong(mine.strip()) < Long.parseLong(theirs.strip())) {
          String field = ManagedFiles.fieldOf(plan.desired(), name);
          plan.drift(DriftKind.STANDBY, name, "at least " + theirs + " (the primary's value)", mine,
              "none: a hot standby with less than its primary stops; raise it in the desired state or lower it on the primary first",
              field);
          plan.refuse(RefusalReason.HOT_STANDBY_SETTING, name,
              "this replica's " + mine + " is lower than the primary's " + theirs + " [" + field + "]");
        }
      } catch (NumberFormatException e) {
        // not a plain integer: nothing to compare
      }
    }
  }

  /**
   * The passfile a replica reaches its primary with, for the replication user and pg_rewind's role;
   * written when its content differs. Also used before a base backup and a rewind, which need it.
   */
  static void planPassfile(PlanBuilder plan) {
    plan.passfileChecked(true);
    DesiredState desired = plan.desired();
    ReplicationSpec rep = desired.replication().orElseThrow();
    Secret secret = plan.facts().secrets().get(rep.passwordFile());
    if (!(secret instanceof Secret.Readable password)) {
      String why = secret instanceof Secret.Unreadable u ? u.reason() : "not read";
      plan.refuse(RefusalReason.SECRET_UNREADABLE, "replication.password_file " + rep.passwordFile(), why);
      return;
    }
    Peer primary = desired.primary();
    String want = Passfile.render(primary.host(), primary.port(), List.of(rep.user(), Rewind.ROLE), password.value());
    FileFact have = plan.facts().file(plan.pg().passfile());
    if (have instanceof FileFact.Present p && p.text().equals(want)) {
      return;
    }
    plan.drift(DriftKind.STANDBY, "passfile " + plan.pg().passfile(),
        "an entry for " + rep.user() + "@" + primary.host() + ":" + primary.port(),
        have instanceof FileFact.Present ? "a different entry" : "absent", "write it", desired.where("replication.password_file"));
    plan.add(new Action.WritePassfile(plan.pg().passfile(), primary.host(), primary.port(), rep.user(), password));
  }
}
