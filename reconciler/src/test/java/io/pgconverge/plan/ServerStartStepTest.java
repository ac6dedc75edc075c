package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.ServerFact;
import org.junit.jupiter.api.Test;

class ServerStartStepTest {
  private final Fixtures f = new Fixtures();

  @Test
  void startsAStoppedServer() {
    PlanBuilder plan = f.builder(f.host().stopped("no socket").build());
    assertThat(new ServerStartStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().actions()).singleElement().isInstanceOfSatisfying(Action.StartServer.class,
        s -> assertThat(s.afterCrash()).isFalse());
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> assertThat(d.actual()).isEqualTo("stopped"));
  }

  @Test
  void startsACrashedServerWithCrashRecovery() {
    PlanBuilder plan = f.builder(f.host().server(new ServerFact.NotRunning("postmaster.pid names PID 4242", true)).build());
    new ServerStartStep().plan(plan);
    assertThat(plan.build().actions()).singleElement().isInstanceOfSatisfying(Action.StartServer.class,
        s -> assertThat(s.afterCrash()).isTrue());
  }

  @Test
  void startsTheNewServerOfABootstrapWithoutCallingItDrift() {
    PlanBuilder plan = f.builder(f.converged());
    plan.bootstrapping();
    new ServerStartStep().plan(plan);
    assertThat(plan.build().actions()).singleElement().isInstanceOf(Action.StartServer.class);
    assertThat(plan.build().drifts()).isEmpty();
  }

  @Test
  void leavesARunningOrUnreachableServerAlone() {
    PlanBuilder running = f.builder(f.converged());
    new ServerStartStep().plan(running);
    assertThat(running.build().actions()).isEmpty();
    PlanBuilder unreachable = f.builder(f.host().server(new ServerFact.Unreachable("timeout")).build());
    new ServerStartStep().plan(unreachable);
    assertThat(unreachable.build().actions()).isEmpty();
  }
}
