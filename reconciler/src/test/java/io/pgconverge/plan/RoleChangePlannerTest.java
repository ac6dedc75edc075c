package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.ReclonePolicy;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.SlotRow;
import io.pgconverge.observe.UpstreamFact;
import io.pgconverge.observe.WalReceiverRow;
import io.pgconverge.pg.Passfile;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Switchover and failover as each host sees them: the desired state names a new primary, and
 * each host's plan does its part, promoting only on proof.
 */
class RoleChangePlannerTest {
  private static final String SYSTEM = "7300000000000000001";
  private final Fixtures f = new Fixtures();

  private static List<Class<?>> kinds(Plan p) {
    return p.actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  private static DataDirectoryFact initialized() {
    return new DataDirectoryFact.Initialized(Fixtures.DATA, "15", Optional.empty());
  }

  /** node2 is desired primary but still streams from node1 (10.0.0.11:5432). */
  private Facts replicaToPromote(UpstreamFact upstream) {
    f.self = "node2";
    Map<String, LiveSetting> live = new LinkedHashMap<>(Fixtures.liveMatching());
    live.put("primary_conninfo", new LiveSetting("primary_conninfo", "host=10.0.0.11 port=5432 user=replicator", null,
        "string", "sighup", "configuration file", Fixtures.DATA.resolve("postgresql.conf").toString(), false));
    ServerFact running = new ServerFact.Running(150000, true, Instant.EPOCH, live, Map.of(), List.of(),
        new ServerFact.Replication(SYSTEM, 1, List.of(), List.of(), Optional.of(new WalReceiverRow("streaming", "10.0.0.11", 5432, "pgc_node2", 1)), false));
    // the desired state makes node2 primary: swap the roles of the fixture's peers
    return f.host().data(initialized()).conf("old conf\n").hba("old hba\n").server(running).upstream(upstream).build();
  }

  private Plan planAsNewPrimary(Facts facts) {
    return Planner.plan(new SwappedRoles(f).desired(), facts);
  }

  @Test
  void promotesWhenTheFormerPrimaryAnswersAndIsInRecovery() {
    Plan plan = planAsNewPrimary(replicaToPromote(new UpstreamFact.Asked("node1", "10.0.0.11", 5432,
        new PeerAnswer.Answered(SYSTEM, 2, true, Map.of()))));
    assertThat(promote(plan).proof()).contains("node1").contains("in recovery");
  }

  @Test
  void promotesWhenTheFormerPrimarysHostRefusesTheConnection() {
    Plan plan = planAsNewPrimary(replicaToPromote(new UpstreamFact.Asked("node1", "10.0.0.11", 5432,
        new PeerAnswer.Refused("Connection refused"))));
    assertThat(promote(plan).proof()).contains("refuses connections");
  }

  @Test
  void promotesWhenTheDesiredStateNoLongerListsTheFormerPrimary() {
    Plan plan = planAsNewPrimary(replicaToPromote(new UpstreamFact.Unlisted("10.0.0.99", 5432)));
    assertThat(promote(plan).proof()).contains("no longer lists");
  }

  private static Action.Promote promote(Plan plan) {
    return (Action.Promote) plan.actions().stream().filter(a -> a instanceof Action.Promote).findFirst().orElseThrow();
  }

  @Test
  void makesItsReplicasSlotsBeforePromotingSoAnEarlyFollowerFindsThem() {
    Plan plan = planAsNewPrimary(replicaToPromote(new UpstreamFact.Asked("node1", "10.0.0.11", 5432,
        new PeerAnswer.Refused("Connection refused"))));
    List<Class<?>> kinds = kinds(plan);
    assertThat(plan.actions()).contains(new Action.CreateSlot("pgc_node1"), new Action.CreateSlot("pgc_node3"));
    assertThat(kinds.lastIndexOf(Action.CreateSlot.class)).isLessThan(kinds.indexOf(Action.Promote.class));
  }

  @Test
  void neverPromotesWhileTheFormerPrimaryStillAcceptsWrites() {
    Plan plan = planAsNewPrimary(replicaToPromote(new UpstreamFact.Asked("node1", "10.0.0.11", 5432,
        new PeerAnswer.Answered(SYSTEM, 1, false, Map.of()))));
    assertThat(plan.actions()).doesNotHaveAnyElementsOfTypes(Action.Promote.class, Action.WriteFile.class,
        Action.ReloadServer.class);
    assertThat(plan.refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.PROMOTION_BLOCKED);
      assertThat(r.message()).contains("still accepts writes");
    });
  }

  @Test
  void silenceIsNotProofSoThePromotionWaits() {
    Plan plan = planAsNewPrimary(replicaToPromote(new UpstreamFact.Asked("node1", "10.0.0.11", 5432,
        new PeerAnswer.Silent("connect timed out"))));
    assertThat(plan.actions()).doesNotHaveAnyElementsOfTypes(Action.Promote.class, Action.WriteFile.class);
    assertThat(plan.refusals()).singleElement().satisfies(r -> assertThat(r.message()).contains("silence is not proof"));
  }

  @Test
  void aPrimaryThatShouldBeAReplicaStopsCleanlyAndNothingElse() {
    f.self = "node2";
    SwappedRoles swapped = new SwappedRoles(f);
    f.self = "node1";
    Facts facts = f.host().data(initialized()).conf("conf\n")
        .hba("hba\n")
        .server(new ServerFact.Running(150000, false, Instant.EPOCH, Fixtures.liveMatching(), Fixtures.rolesMatching(), List.of(),
            new ServerFact.Replication(SYSTEM, 1, List.of(), List.of(), Optional.empty(), true)))
        .primary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 1, true, Map.of()))).build();
    Plan plan = Planner.plan(swapped.desired(), facts);
    assertThat(plan.actions()).singleElement().isInstanceOf(Action.StopServer.class);
  }

  @Test
  void neverStopsAPrimaryOfAnotherCluster() {
    f.self = "node1";
    SwappedRoles swapped = new SwappedRoles(f);
    Facts facts = f.host().data(initialized()).conf("conf\n")
        .hba("hba\n")
        .server(new ServerFact.Running(150000, false, Instant.EPOCH, Fixtures.liveMatching(), Fixtures.rolesMatching(), List.of(),
            new ServerFact.Replication("7111111111111111111", 1, List.of(), List.of(), Optional.empty(), true)))
        .primary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 1, true, Map.of()))).build();
    Plan plan = Planner.plan(swapped.desired(), facts);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.FOREIGN_CLUSTER));
  }

  private Facts stoppedFormerPrimary(PrimaryFact primary) {
    f.self = "node1";
    return f.host().data(initialized()).conf("conf\n").hba("hba\n").stopped("stopped").primary(primary).build();
  }

  @Test
  void aStoppedFormerPrimaryWaitsUntilTheNewPrimaryAnswers() {
    Plan plan = Planner.plan(new SwappedRoles(f).desired(),
        stoppedFormerPrimary(new PrimaryFact.Unreachable("10.0.0.12", 5432, "Connection refused")));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.WAITING_FOR_PRIMARY));
  }

  @Test
  void aStoppedFormerPrimaryWaitsWhileTheNewPrimaryIsStillInRecovery() {
    Plan plan = Planner.plan(new SwappedRoles(f).desired(),
        stoppedFormerPrimary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 1, true, Map.of()))));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r -> assertThat(r.message()).contains("not promoted yet"));
  }

  @Test
  void aStoppedFormerPrimaryIsRewoundThenStartsAsAReplica() {
    Plan plan = Planner.plan(new SwappedRoles(f).desired(),
        stoppedFormerPrimary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of()))));
    List<Class<?>> kinds = kinds(plan);
    assertThat(kinds).containsSubsequence(Action.Rewind.class, Action.ValidateConfig.class, Action.WriteFile.class, Action.StartServer.class);
    assertThat(kinds.indexOf(Action.Rewind.class)).isLessThan(kinds.indexOf(Action.StartServer.class));
    assertThat(plan.actions()).anySatisfy(a -> assertThat(a).isInstanceOfSatisfying(Action.WriteFile.class,
        w -> assertThat(w.path().getFileName().toString()).isEqualTo("standby.signal")));
    Action.Rewind rewind = (Action.Rewind) plan.actions().stream().filter(a -> a instanceof Action.Rewind).findFirst().orElseThrow();
    assertThat(rewind.moveAside()).isFalse();
    assertThat(rewind.sourceConninfo()).contains("user=pgconverge_rewind").contains("host=10.0.0.12").doesNotContain(Fixtures.REPLICATOR_SECRET);
  }

  /** What pg_rewind 15 writes as PGDATA's backup_label at the end of a rewind. */
  static final String REWIND_LABEL = "START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\n"
      + "CHECKPOINT LOCATION: 0/3000060\nBACKUP METHOD: pg_rewind\nBACKUP FROM: standby\n"
      + "START TIME: 2026-12-03 07:00:00 UTC\n";

  private static DataDirectoryFact withClusterState(String state) {
    return new DataDirectoryFact.Initialized(Fixtures.DATA, "15", Optional.of(new io.pgconverge.pg.ControlData(SYSTEM, state, 2,
        Map.of("Database cluster state", state))));
  }

  private Plan planRejoinOf(DataDirectoryFact data, String backupLabel) {
    f.self = "node1";
    f.backupLabel = backupLabel;
    Facts facts = f.host().data(data).conf("conf\n").hba("hba\n").stopped("stopped")
        .primary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of()))).build();
    return Planner.plan(new SwappedRoles(f).desired(), facts);
  }

  @Test
  void aCopyPgRewindFinishedIsStartedAsAReplicaWithoutASecondRewind() {
    Plan plan = planRejoinOf(withClusterState("in archive recovery"), REWIND_LABEL);
    List<Class<?>> kinds = kinds(plan);
    assertThat(kinds).doesNotContain(Action.Rewind.class).containsSubsequence(Action.WriteFile.class, Action.StartServer.class);
    assertThat(plan.actions()).anySatisfy(a -> assertThat(a).isInstanceOfSatisfying(Action.WriteFile.class,
        w -> assertThat(w.path().getFileName().toString()).isEqualTo("standby.signal")));
    assertThat(plan.drifts()).anySatisfy(d -> assertThat(d.actual()).contains("rewound by pg_rewind and not started since"));
    assertThat(plan.refusals()).isEmpty();
  }

  @Test
  void aRewindCutBeforeItWroteTheControlFileIsRewoundAgain() {
    Plan plan = planRejoinOf(withClusterState("shut down"), REWIND_LABEL);
    assertThat(kinds(plan)).contains(Action.Rewind.class);
  }

  @Test
  void aBaseBackupsLabelDoesNotCountAsARewind() {
    Plan plan = planRejoinOf(withClusterState("in archive recovery"),
        "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n");
    assertThat(kinds(plan)).contains(Action.Rewind.class);
  }

  @Test
  void pgRewindsLabelWithAnUnreadableControlFileTouchesNothing() {
    Plan plan = planRejoinOf(initialized(), REWIND_LABEL);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r -> assertThat(r.message()).contains("whether that rewind finished"));
  }

  @Test
  void movesAsideOnlyWhenThePolicySaysSo() {
    SwappedRoles swapped = new SwappedRoles(f);
    swapped.reclone = ReclonePolicy.MOVE_ASIDE;
    Plan plan = Planner.plan(swapped.desired(),
        stoppedFormerPrimary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of()))));
    assertThat(plan.actions()).anySatisfy(a -> assertThat(a).isInstanceOfSatisfying(Action.Rewind.class,
        r -> assertThat(r.moveAside()).isTrue()));
  }

  @Test
  void aNewPrimaryMakesTheRewindRoleItsFormerPrimaryWillNeed() {
    Map<String, io.pgconverge.observe.LiveRole> roles = Fixtures.rolesMatching();
    roles.remove("pgconverge_rewind");
    Plan plan = Planner.plan(f.desired(), f.converged(Fixtures.liveMatching(), roles));
    assertThat(plan.actions()).singleElement().isInstanceOf(Action.EnsureRewindRole.class);
  }

  @Test
  void aDemotedServerDropsTheSlotsItKeptAsPrimary() {
    f.self = "node2";
    f.standbySignal = true;
    f.passfile = Passfile.render("10.0.0.11", 5432, List.of("replicator", "pgconverge_rewind"), Fixtures.REPLICATOR_SECRET);
    Map<String, LiveSetting> live = Fixtures.liveMatching();
    String conf = Fixtures.DATA.resolve("postgresql.conf").toString();
    live.put("primary_conninfo", new LiveSetting("primary_conninfo", io.pgconverge.desired.ReplicationConninfo.primary(f.desired()), null, "string", "sighup", "configuration file", conf, false));
    live.put("primary_slot_name", new LiveSetting("primary_slot_name", "pgc_node2", null, "string", "sighup", "configuration file", conf, false));
    ServerFact running = new ServerFact.Running(150000, true, Instant.EPOCH, live, Map.of(), List.of(),
        new ServerFact.Replication(SYSTEM, 2, List.of(), List.of(new SlotRow("pgc_node3", "physical", false, "reserved")),
            Optional.of(new WalReceiverRow("streaming", "10.0.0.11", 5432, "pgc_node2", 2)), false));
    Facts facts = f.host().data(initialized())
        .server(running)
        .primary(new PrimaryFact.Reachable("10.0.0.11", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of()))).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.actions()).containsExactly(new Action.DropSlot("pgc_node3"));
  }

  @Test
  void aReplicaFollowsANewPrimaryWithAReloadAndNoCopy() {
    f.self = "node3";
    f.standbySignal = true;
    // node3 streams from node1, but the desired state now makes node2 the primary
    SwappedRoles swapped = new SwappedRoles(f);
    f.passfile = Passfile.render("10.0.0.12", 5432, List.of("replicator", "pgconverge_rewind"), Fixtures.REPLICATOR_SECRET);
    Map<String, LiveSetting> live = Fixtures.liveMatching();
    String conf = Fixtures.DATA.resolve("postgresql.conf").toString();
    live.put("primary_conninfo", new LiveSetting("primary_conninfo", "host='10.0.0.11' port='5432' user='replicator'", null,
        "string", "sighup", "configuration file", conf, false));
    live.put("primary_slot_name", new LiveSetting("primary_slot_name", "pgc_node3", null, "string", "sighup", "configuration file", conf, false));
    ServerFact running = new ServerFact.Running(150000, true, Instant.EPOCH, live, Map.of(), List.of(),
        new ServerFact.Replication(SYSTEM, 1, List.of(), List.of(), Optional.of(new WalReceiverRow("streaming", "10.0.0.11", 5432, "pgc_node3", 1)), false));
    Facts facts = f.host().data(initialized()).conf("# the file as it was, pointing at node1\n")
        .hba(ManagedFiles.hbaConf(swapped.desired()))
        .server(running)
        .primary(new PrimaryFact.Reachable("10.0.0.12", 5432, new PeerAnswer.Answered(SYSTEM, 2, false, Map.of()))).build();
    Plan plan = Planner.plan(swapped.desired(), facts);
    assertThat(kinds(plan)).doesNotContain(Action.BaseBackup.class, Action.Rewind.class, Action.StopServer.class);
    assertThat(kinds(plan)).contains(Action.WriteFile.class, Action.ReloadServer.class);
    assertThat(plan.drifts()).anySatisfy(d -> assertThat(d.subject()).isEqualTo("primary_conninfo"));
  }
}
