package io.pgconverge.plan;

/**
 * The promotion {@link RoleChangeStep} decided, planned after {@link PostgresqlConfStep} wrote the
 * new primary's postgresql.conf and {@link LiveSettingsStep} reloaded (or restarted) the standby:
 * the server already holds {@code synchronous_standby_names} when {@code pg_promote} makes it
 * writable, so no commit is acknowledged asynchronously in between. A config the server rejects
 * stops the run before the promotion.
 */
final class PromoteStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    plan.promotion().ifPresent(plan::add);
    return Next.CONTINUE;
  }
}
