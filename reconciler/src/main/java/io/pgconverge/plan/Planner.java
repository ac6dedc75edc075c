package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.observe.Facts;
import java.util.List;

/**
 * Decides what this host needs: {@code plan(desired, facts)} returns the drift and the actions
 * that fix it. Pure: no I/O, no logger, no clock; the same inputs always give the same plan.
 *
 * <p>The decision is a list of named steps, run in order against one {@link PlanBuilder}; each
 * adds drift, refusals, actions and pending restarts, and says whether the steps after it still
 * run. Each step's class comment holds its numbered algorithm, and its tests sit beside it:
 *
 * <ol>
 *   <li>{@link BinariesStep}: without server binaries, refuse and stop.
 *   <li>{@link PackagedClusterStep}: a Debian cluster on this PGDATA or port: refuse and stop.
 *   <li>{@link DataDirectoryStep}: foreign content refused (stop); missing or empty: initdb, or
 *       pg_basebackup on a replica; a replica's copy of another cluster refused (stop).
 *   <li>{@link ServerReachableStep}: a server that runs but does not answer is refused.
 *   <li>{@link RoleChangeStep}: promotion on proof only (decided here, planned by {@link PromoteStep}),
 *       stepping down, rejoining with pg_rewind.
 *   <li>{@link PostgresqlConfStep}: postgresql.conf rendered, compared, validated, written.
 *   <li>{@link HbaFileStep}: pg_hba.conf rendered, compared record by record, written.
 *   <li>{@link AlterSystemStep}: ALTER SYSTEM overrides of managed settings reset.
 *   <li>{@link StandbyStep}: a replica's passfile, standby.signal, hot-standby minimums.
 *   <li>{@link ServerStartStep}: a stopped or crashed server started.
 *   <li>{@link LiveSettingsStep}: live values reloaded, restarted or reported pending.
 *   <li>{@link PromoteStep}: the promotion decided above, once the new settings are loaded.
 *   <li>{@link RolesStep}: roles created and altered, passwords set, pg_rewind's role.
 *   <li>{@link ReplicationStep}: slots and streaming health.
 * </ol>
 *
 * <p>Under {@code failover.mode: etcd} while nobody holds the leader key of an initialized cluster
 * ({@link PlanContext#nobodyHoldsLeaderKey}) the steps are {@link #LEADERLESS_STEPS} instead:
 * binaries, a packaged cluster in the way, then {@link LeaderlessStartStep} (a stopped server
 * started read-only so that it can be a candidate), and nothing else.
 *
 * <p>A new step (a FailoverStep deciding from the consensus store, a SynchronousReplicationStep
 * keeping synchronous_standby_names) is one class implementing {@link PlanStep} and one line in
 * {@link #STEPS} at the place its decision belongs: a failover decision before {@link
 * RoleChangeStep} (it may stop the rest), synchronous replication after {@link
 * ReplicationStep}. What it needs from an earlier step it reads from the builder; no other step
 * changes.
 */
public final class Planner {
  /** The steps in the order they decide. */
  static final List<PlanStep> STEPS = List.of(
      new BinariesStep(),
      new PackagedClusterStep(),
      new DataDirectoryStep(),
      new ServerReachableStep(),
      new RoleChangeStep(),
      new PostgresqlConfStep(),
      new HbaFileStep(),
      new AlterSystemStep(),
      new StandbyStep(),
      new ServerStartStep(),
      new LiveSettingsStep(),
      new PromoteStep(),
      new RolesStep(),
      new ReplicationStep());

  /** The steps while nobody holds the leader key: only a stopped server is started, read-only. */
  static final List<PlanStep> LEADERLESS_STEPS = List.of(
      new BinariesStep(),
      new PackagedClusterStep(),
      new LeaderlessStartStep());

  private Planner() {}

  /** Plans the convergence of this host with no maintenance window open; has no side effects. */
  public static Plan plan(DesiredState desired, Facts facts) {
    return plan(desired, facts, PlanContext.DEFAULT);
  }

  /**
   * Plans the convergence of this host at the moment {@code context} describes; has no side
   * effects. The steps see {@code desired} as {@link SynchronousStandbys#effective} makes it (under
   * {@code strict: false} with too few standbys streaming, synchronous_standby_names empty).
   */
  public static Plan plan(DesiredState desired, Facts facts, PlanContext context) {
    PlanBuilder builder = new PlanBuilder(SynchronousStandbys.effective(desired, facts.server()), facts, context);
    for (PlanStep step : context.nobodyHoldsLeaderKey() ? LEADERLESS_STEPS : STEPS) {
      if (step.plan(builder) == PlanStep.Next.STOP) {
        break;
      }
    }
    return builder.build();
  }
}
