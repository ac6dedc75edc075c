package io.pgconverge.plan;

import io.pgconverge.observe.BinaryFact;

/**
 * Server binaries: without them nothing can be done.
 *
 * <ol>
 *   <li>The binaries were found: their directory is what every later action runs; continue.
 *   <li>They were not: refuse with the reason and plan nothing else.
 * </ol>
 */
final class BinariesStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    if (plan.facts().binaries() instanceof BinaryFact.Found found) {
      plan.bin(found.directory());
      return Next.CONTINUE;
    }
    plan.refuse(RefusalReason.NO_BINARIES, "postgres.bin", ((BinaryFact.NotFound) plan.facts().binaries()).reason());
    return Next.STOP;
  }
}
