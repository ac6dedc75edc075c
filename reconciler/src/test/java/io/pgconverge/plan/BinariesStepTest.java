package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.BinaryFact;
import io.pgconverge.observe.Facts;
import org.junit.jupiter.api.Test;

class BinariesStepTest {
  private final Fixtures f = new Fixtures();

  @Test
  void foundBinariesAreWhatTheLaterActionsRun() {
    PlanBuilder plan = new PlanBuilder(f.desired(), f.converged(), PlanContext.DEFAULT);
    assertThat(new BinariesStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.bin()).isEqualTo(Fixtures.BIN);
    assertThat(plan.build().refusals()).isEmpty();
  }

  @Test
  void withoutBinariesItRefusesAndStops() {
    Facts base = f.converged();
    Facts facts = new Facts(base.dataDirectory(), base.files(), base.server(), base.secrets(),
        new BinaryFact.NotFound("no postgres in /usr/lib/postgresql/*/bin"), base.primary(), base.upstream());
    PlanBuilder plan = new PlanBuilder(f.desired(), facts, PlanContext.DEFAULT);
    assertThat(new BinariesStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.NO_BINARIES);
      assertThat(r.message()).contains("no postgres in");
    });
  }
}
