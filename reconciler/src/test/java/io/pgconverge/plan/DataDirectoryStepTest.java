package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.pg.ControlData;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DataDirectoryStepTest {
  private static final String PRIMARY_ID = "7300000000000000001";
  private final Fixtures f = new Fixtures();

  private static List<Class<?>> kinds(PlanBuilder b) {
    return b.build().actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  private static PrimaryFact reachable() {
    return new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered(PRIMARY_ID, 1, false, Map.of()));
  }

  @Test
  void refusesForeignContentAndStopsWithoutTouchingIt() {
    PlanBuilder plan = f.builder(f.host().data(new DataDirectoryFact.Foreign(Fixtures.DATA, List.of("a", "b", "c", "d", "e", "f", "g")))
        .build());
    assertThat(new DataDirectoryStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.FOREIGN_DATA);
      assertThat(r.message()).contains("a, b, c, d, e and 2 more");
    });
  }

  @Test
  void refusesAnUnreadableDirectoryAndStops() {
    PlanBuilder plan = f.builder(f.host().data(new DataDirectoryFact.Unreadable(Fixtures.DATA, "Permission denied")).build());
    assertThat(new DataDirectoryStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.DATA_DIRECTORY_UNREADABLE));
  }

  @Test
  void initializesAMissingDirectoryOnThePrimaryAndTheLaterStepsSeeABootstrap() {
    PlanBuilder plan = f.builder(f.host().missingData().noConfigFiles().stopped("no data").build());
    assertThat(new DataDirectoryStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(kinds(plan)).containsExactly(Action.InitDataDirectory.class);
    assertThat(plan.bootstrap()).isTrue();
    assertThat(plan.server()).isInstanceOf(io.pgconverge.observe.ServerFact.NotRunning.class);
  }

  @Test
  void copiesThePrimaryIntoAnEmptyDirectoryOnAReplicaAfterWritingThePassfile() {
    f.self = "node2";
    PlanBuilder plan = f.builder(f.host().data(new DataDirectoryFact.Empty(Fixtures.DATA, List.of("lost+found")))
        .noConfigFiles().stopped("no data").primary(reachable()).build());
    assertThat(new DataDirectoryStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(kinds(plan)).containsExactly(Action.WritePassfile.class, Action.BaseBackup.class);
    assertThat(plan.passfileChecked()).isTrue();
    assertThat(plan.bootstrap()).isTrue();
    assertThat(plan.build().drifts()).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.DATA_DIRECTORY);
      assertThat(d.actual()).isEqualTo("empty");
    });
  }

  @Test
  void leavesAReplicasMissingDirectoryAloneWhileThePrimaryIsUnreachable() {
    f.self = "node2";
    PlanBuilder plan = f.builder(f.host().missingData().noConfigFiles().stopped("no data")
        .primary(new PrimaryFact.Unreachable("10.0.0.11", 5432, "Connection refused")).build());
    assertThat(new DataDirectoryStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.PRIMARY_UNREACHABLE));
  }

  @Test
  void refusesAReplicaWhoseDataIsACopyOfAnotherCluster() {
    f.self = "node2";
    ControlData other = new ControlData("7399999999999999999", "in archive recovery", 1, Map.of());
    PlanBuilder plan = f.builder(f.host().data(new DataDirectoryFact.Initialized(Fixtures.DATA, "15", Optional.of(other)))
        .primary(reachable()).build());
    assertThat(new DataDirectoryStep().plan(plan)).isEqualTo(PlanStep.Next.STOP);
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.FOREIGN_CLUSTER));
  }

  @Test
  void continuesWithNothingToDoForAnInitializedDirectoryOfThisCluster() {
    f.self = "node2";
    ControlData same = new ControlData(PRIMARY_ID, "in archive recovery", 1, Map.of());
    PlanBuilder plan = f.builder(f.host().data(new DataDirectoryFact.Initialized(Fixtures.DATA, "15", Optional.of(same)))
        .primary(reachable()).build());
    assertThat(new DataDirectoryStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().drifts()).isEmpty();
    assertThat(plan.bootstrap()).isFalse();
  }
}
