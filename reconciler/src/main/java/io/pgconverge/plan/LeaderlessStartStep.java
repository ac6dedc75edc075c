package io.pgconverge.plan;

import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.ServerFact;
import java.util.Optional;

/**
 * The whole plan under {@code failover.mode: etcd} while nobody holds the leader key of a cluster
 * that exists ({@link PlanContext#nobodyHoldsLeaderKey}): a cluster whose servers all went down
 * (killed, a power cut, all stopped) comes back by itself, as Patroni's {@code ha.py} brings it
 * back: with no leader, a stopped server is started as a standby first, and the failover agents'
 * race among the running ones ({@code FailoverStep}: healthiest by timeline and WAL, then
 * priority, none writable) elects one, which takes the key and promotes; the others then follow
 * it through the normal runs. The only changes this step makes are standby.signal and the start;
 * no role, slot, setting, promotion, initdb or base backup.
 *
 * <ol>
 *   <li>The data directory is not an initialized cluster (missing, empty, foreign, unreadable):
 *       nothing. A data directory is made (initdb, pg_basebackup) only once a member holds the key.
 *   <li>The server runs, or seems to run and does not answer: nothing. A running standby is a
 *       candidate already; a writable one is the failover agent's to judge (it takes the key back
 *       as the primary {@code history} names, or demotes).
 *   <li>Stopped, and postgresql.conf is not there: nothing (it is written only under a leader).
 *   <li>Stopped, standby.signal absent (a former primary): write it, empty, atomically and
 *       fsynced, and plan nothing more: the next pass sees it on disk before anything is started,
 *       so a write that failed can never be followed by a writable start.
 *   <li>Stopped, standby.signal present: start it (with crash recovery after a crash). It comes up
 *       read-only and replays its own WAL. Its config files stay as the last run under a leader
 *       wrote them: a former primary has no primary_conninfo and waits; a former replica keeps the
 *       last one, which names a server that is down (it retries every few seconds) or that came up
 *       read-only as well (it then streams what that one has, from before the failure: WAL it
 *       would have wanted anyway). The runs under the new leader rewrite primary_conninfo and load
 *       it (a reload), as for any change of primary.
 * </ol>
 *
 * Each case records why in one drift (the status file's and the log's line). Stops the plan.
 */
final class LeaderlessStartStep implements PlanStep {
  static final String SUBJECT = "leader key";
  static final String DESIRED = "held by a member";
  static final String ACTUAL = "nobody holds it";

  @Override
  public Next plan(PlanBuilder plan) {
    if (!(plan.facts().dataDirectory() instanceof DataDirectoryFact.Initialized)) {
      waits(plan, "the data directory " + plan.pg().data() + " is not initialized: it is made (initdb or pg_basebackup)"
          + " only once a member holds the key");
      return Next.STOP;
    }
    ServerFact server = plan.server();
    if (server instanceof ServerFact.Running r) {
      waits(plan, "the server runs (" + (r.inRecovery() ? "read-only" : "writable") + "), so the failover agent judges it as"
          + " a candidate");
      return Next.STOP;
    }
    if (!(server instanceof ServerFact.NotRunning stopped)) {
      waits(plan, "the server does not answer, so nothing is started");
      return Next.STOP;
    }
    if (!(plan.facts().file(plan.pg().postgresqlConf()) instanceof FileFact.Present)) {
      waits(plan, plan.pg().postgresqlConf() + " is not there, so the server stays stopped");
      return Next.STOP;
    }
    if (!(plan.facts().file(plan.pg().standbySignal()) instanceof FileFact.Present)) {
      plan.drift(DriftKind.STANDBY, plan.pg().standbySignal().toString(), "present", "absent",
          "create it, so that the server starts read-only: nobody holds the leader key", "");
      plan.add(new Action.WriteFile(plan.pg().standbySignal(), "", Optional.empty(), "start read-only: nobody holds the leader key"));
      return Next.STOP;
    }
    plan.drift(DriftKind.SERVER, "postmaster", "running read-only (nobody holds the leader key)",
        stopped.crashed() ? "crashed (" + stopped.reason() + ")" : "stopped",
        "nobody holds the leader key: started read-only so it can be a candidate"
            + (stopped.crashed() ? " (crash recovery first)" : ""), "");
    plan.add(new Action.StartServer(plan.pg().config(), plan.pg().data(), plan.bin(), plan.startLog(), stopped.crashed()));
    return Next.STOP;
  }

  private static void waits(PlanBuilder plan, String why) {
    plan.drift(DriftKind.SERVER, SUBJECT, DESIRED, ACTUAL, "none here (the failover agents elect a leader): " + why, "");
  }
}
