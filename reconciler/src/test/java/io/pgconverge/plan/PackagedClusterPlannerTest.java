package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.Facts;
import io.pgconverge.observe.PackagedCluster;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Debian's own cluster in the way: the refusal names it and says how to remove it. */
class PackagedClusterPlannerTest {
  private final Fixtures f = new Fixtures();

  private Facts with(PackagedCluster c) {
    Facts base = f.converged();
    return new Facts(base.dataDirectory(), base.files(), base.server(), base.secrets(), base.binaries(), base.primary(),
        base.upstream(), List.of(c));
  }

  @Test
  void refusesADataDirectoryThatDebiansMainClusterOwnsAndNamesTheRemedy() {
    PackagedCluster main = new PackagedCluster("15", "main", Path.of("/etc/postgresql/15/main"), Fixtures.DATA, 5433, false);
    Plan plan = Planner.plan(f.desired(), with(main));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.PACKAGED_CLUSTER);
      assertThat(r.message()).contains("15/main").contains("/etc/postgresql/15/main")
          .contains("pg_dropcluster 15 main --stop").contains("create_main_cluster = false");
    });
  }

  @Test
  void refusesWhenDebiansRunningClusterHoldsThePort() {
    int port = f.desired().port();
    PackagedCluster main = new PackagedCluster("15", "main", Path.of("/etc/postgresql/15/main"),
        Path.of("/var/lib/postgresql/15/main"), port, true);
    Plan plan = Planner.plan(f.desired(), with(main));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r ->
        assertThat(r.message()).contains("port " + port).contains("15/main").contains("pg_dropcluster 15 main --stop"));
  }

  @Test
  void leavesAStoppedClusterOnThePortOrOneWithItsOwnDataAlone() {
    PackagedCluster stopped = new PackagedCluster("15", "main", Path.of("/etc/postgresql/15/main"),
        Path.of("/var/lib/postgresql/15/main"), f.desired().port(), false);
    assertThat(Planner.plan(f.desired(), with(stopped)).refusals()).isEmpty();
    PackagedCluster elsewhere = new PackagedCluster("15", "main", Path.of("/etc/postgresql/15/main"),
        Path.of("/var/lib/postgresql/15/main"), f.desired().port() + 1, true);
    assertThat(Planner.plan(f.desired(), with(elsewhere)).inSync()).isTrue();
  }
}
