package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.ServerFact;
import org.junit.jupiter.api.Test;

class ServerReachableStepTest {
  private final Fixtures f = new Fixtures();

  @Test
  void refusesAServerThatDoesNotAnswerAndLetsTheFilesBeCompared() {
    PlanBuilder plan = f.builder(f.host().server(new ServerFact.Unreachable("connection timed out")).build());
    assertThat(new ServerReachableStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.SERVER_UNREACHABLE);
      assertThat(r.message()).contains("port 5432").contains("timed out");
    });
  }

  @Test
  void saysNothingOfARunningServer() {
    PlanBuilder plan = f.builder(f.converged());
    new ServerReachableStep().plan(plan);
    assertThat(plan.build().refusals()).isEmpty();
  }
}
