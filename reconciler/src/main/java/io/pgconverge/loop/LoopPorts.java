package io.pgconverge.loop;

import io.pgconverge.apply.HostPorts;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.host.Commands;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.HostProbe;
import io.pgconverge.plan.Plan;
import io.pgconverge.plan.PlanContext;
import io.pgconverge.plan.Planner;
import java.time.Clock;
import java.util.function.Function;

/**
 * What one run of the loop is made of, handed to the {@link Reconciler} from one composition root
 * ({@link #real}); the unit tests hand in observations and plans of their own and in-memory ports.
 *
 * @param observe reads the host into facts (has no side effects)
 * @param planner decides (pure)
 * @param host the ports the applier acts through, for the server the desired state names
 * @param clock when the run started
 */
public record LoopPorts(Function<DesiredState, Facts> observe, Planning planner, Function<DesiredState, HostPorts> host,
    Clock clock) {

  /** The planner's entry point as the loop calls it. */
  @FunctionalInterface
  public interface Planning {
    Plan plan(DesiredState desired, Facts facts, PlanContext context);
  }

  /** The real loop: {@link HostProbe}, {@link Planner}, the local server over its socket, {@code commands} as processes. */
  public static LoopPorts real(Clock clock, Commands commands) {
    return new LoopPorts(HostProbe::observe, Planner::plan,
        desired -> HostPorts.real(HostProbe.localServer(desired), commands, clock), clock);
  }
}
