package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.ReplicationRow;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.SlotRow;
import io.pgconverge.observe.WalReceiverRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicationStepTest {
  private static final String SYSTEM = "7300000000000000001";
  private static final ReplicationRow NODE2 = new ReplicationRow(4242, "node2", "10.0.0.12", "streaming", "0/3000060", 0, false);
  private final Fixtures f = new Fixtures();

  private PlanBuilder plan(boolean inRecovery, ServerFact.Replication replication) {
    PlanBuilder plan = f.builder(f.host().server(new ServerFact.Running(150000, inRecovery, Instant.EPOCH, Fixtures.liveMatching(),
        Map.of(), List.of(), replication)).build());
    assertThat(new ReplicationStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    return plan;
  }

  @Test
  void thePrimaryCreatesItsReplicasSlotAndDropsOnlyItsOwnStaleOnesNotInUse() {
    PlanBuilder plan = plan(false, new ServerFact.Replication(SYSTEM, 1, List.of(NODE2),
        List.of(new SlotRow("pgc_node9", "physical", false, "reserved"), new SlotRow("pgc_node8", "physical", true, "reserved"),
            new SlotRow("backup_tool", "physical", false, "reserved")), Optional.empty(), true));
    assertThat(plan.build().actions()).containsExactly(new Action.CreateSlot("pgc_node2"), new Action.DropSlot("pgc_node9"));
    assertThat(plan.build().drifts()).anySatisfy(d -> {
      assertThat(d.subject()).isEqualTo("pgc_node8");
      assertThat(d.remedy()).contains("in use");
    }).noneSatisfy(d -> assertThat(d.subject()).isEqualTo("backup_tool"));
  }

  @Test
  void makesNoSlotsWhenSlotsAreOff() {
    f.slots = false;
    PlanBuilder plan = plan(false, new ServerFact.Replication(SYSTEM, 1, List.of(NODE2), List.of(), Optional.empty(), true));
    assertThat(plan.build().actions()).isEmpty();
  }

  @Test
  void thePrimaryReportsAListedReplicaThatDoesNotStream() {
    PlanBuilder plan = plan(false, Fixtures.replicationMatching());
    assertThat(plan.build().drifts()).isEmpty();
    PlanBuilder missing = plan(false, new ServerFact.Replication(SYSTEM, 1, List.of(), Fixtures.replicationMatching().slots(),
        Optional.empty(), true));
    assertThat(missing.build().drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.REPLICATION);
      assertThat(d.actual()).isEqualTo("not connected");
    });
  }

  @Test
  void aReplicaReportsAReceiverThatDoesNotStreamAndDropsSlotsLeftFromItsTimeAsPrimary() {
    f.self = "node2";
    PlanBuilder plan = plan(true, new ServerFact.Replication(SYSTEM, 2, List.of(),
        List.of(new SlotRow("pgc_node3", "physical", false, "reserved"), new SlotRow("keep_me", "physical", false, "reserved")),
        Optional.of(new WalReceiverRow("waiting", "10.0.0.11", 5432, "pgc_node2", 2)), false));
    assertThat(plan.build().actions()).containsExactly(new Action.DropSlot("pgc_node3"));
    assertThat(plan.build().drifts()).anySatisfy(d -> {
      assertThat(d.subject()).isEqualTo("wal receiver");
      assertThat(d.actual()).startsWith("waiting");
    });
  }
}
