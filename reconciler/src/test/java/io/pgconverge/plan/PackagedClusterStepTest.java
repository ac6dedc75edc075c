package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.Facts;
import io.pgconverge.observe.PackagedCluster;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackagedClusterStepTest {
  private final Fixtures f = new Fixtures();

  private PlanStep.Next plan(PlanBuilder plan) {
    return new PackagedClusterStep().plan(plan);
  }

  private PlanBuilder with(PackagedCluster c) {
    Facts base = f.converged();
    return f.builder(new Facts(base.dataDirectory(), base.files(), base.server(), base.secrets(), base.binaries(),
        base.primary(), base.upstream(), List.of(c)));
  }

  @Test
  void stopsWhenDebiansClusterOwnsThisDataDirectory() {
    PlanBuilder plan = with(new PackagedCluster("15", "main", Path.of("/etc/postgresql/15/main"), Fixtures.DATA, 5433, false));
    assertThat(plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.PACKAGED_CLUSTER));
  }

  @Test
  void stopsWhenDebiansRunningClusterHoldsThePort() {
    PlanBuilder plan = with(new PackagedCluster("15", "main", Path.of("/etc/postgresql/15/main"),
        Path.of("/var/lib/postgresql/15/main"), 5432, true));
    assertThat(plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.message()).contains("port 5432"));
  }

  @Test
  void continuesPastAStoppedClusterOnThePortAndOneRunningElsewhere() {
    PlanBuilder stopped = with(new PackagedCluster("15", "main", Path.of("/etc/postgresql/15/main"),
        Path.of("/var/lib/postgresql/15/main"), 5432, false));
    assertThat(plan(stopped)).isEqualTo(PlanStep.Next.CONTINUE);
    PlanBuilder elsewhere = with(new PackagedCluster("15", "main", Path.of("/etc/postgresql/15/main"),
        Path.of("/var/lib/postgresql/15/main"), 5433, true));
    assertThat(plan(elsewhere)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(stopped.build().refusals()).isEmpty();
    assertThat(elsewhere.build().refusals()).isEmpty();
  }
}
