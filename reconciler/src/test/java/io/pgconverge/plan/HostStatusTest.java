package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.Facts;
import io.pgconverge.report.HostStatus;
import io.pgconverge.report.StatusJson;
import org.junit.jupiter.api.Test;

/** {@code pgconverge status} says what a host waits for, and why, from the same plan a run makes. */
class HostStatusTest {
  private final Fixtures f = new Fixtures();

  @Test
  void aConvergedPrimaryShowsItsStreamingReplicaAndNothingToWaitFor() {
    Facts facts = f.converged();
    HostStatus s = HostStatus.of(f.desired(), facts, Planner.plan(f.desired(), facts));
    assertThat(s.waitingFor()).isEmpty();
    assertThat(s.drift()).isZero();
    assertThat(s.replication()).singleElement().satisfies(r -> {
      assertThat(r.peer()).isEqualTo("node2");
      assertThat(r.streaming()).isTrue();
    });
    assertThat(s.table()).contains("node2").contains("streaming").contains("drift      none");
    assertThat(StatusJson.of(s, null)).containsEntry("in_recovery", false).containsKey("waiting_for");
  }

  @Test
  void aStoppedFormerPrimaryShowsThatItWaitsForTheNewPrimary() {
    f.self = "node1";
    Facts facts = f.host().data(new io.pgconverge.observe.DataDirectoryFact.Initialized(Fixtures.DATA, "15", java.util.Optional.empty())).conf("conf\n")
        .hba("hba\n")
        .stopped("stopped")
        .primary(new io.pgconverge.observe.PrimaryFact.Unreachable("10.0.0.12", 5432, "Connection refused")).build();
    SwappedRoles swapped = new SwappedRoles(f);
    HostStatus s = HostStatus.of(swapped.desired(), facts, Planner.plan(swapped.desired(), facts));
    assertThat(s.waitingFor()).singleElement().asString().contains("rejoin as a replica of node2").contains("Connection refused");
    assertThat(s.table()).contains("waiting");
  }
}
