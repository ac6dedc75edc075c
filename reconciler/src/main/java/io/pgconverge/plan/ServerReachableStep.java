package io.pgconverge.plan;

import io.pgconverge.observe.ServerFact;

/**
 * A server that seems to run but does not answer.
 *
 * <ol>
 *   <li>The server could not be queried (postmaster.pid and socket, no answer): refuse, since
 *       nothing about it can be judged; the files are still compared.
 *   <li>Continue either way.
 * </ol>
 */
final class ServerReachableStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    if (plan.server() instanceof ServerFact.Unreachable u) {
      plan.refuse(RefusalReason.SERVER_UNREACHABLE, "server on port " + plan.desired().port(), u.reason());
    }
    return Next.CONTINUE;
  }
}
