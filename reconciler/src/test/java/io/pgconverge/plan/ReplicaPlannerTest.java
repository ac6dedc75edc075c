package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.SslSpec;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.SlotRow;
import io.pgconverge.observe.WalReceiverRow;
import io.pgconverge.pg.ControlData;
import io.pgconverge.pg.Passfile;
import io.pgconverge.pg.RecoveryRetryWait;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicaPlannerTest {
  private static final String PRIMARY_ID = "7300000000000000001";
  private final Fixtures f = new Fixtures();

  ReplicaPlannerTest() {
    f.self = "node2";
  }

  private static List<Class<?>> kinds(Plan p) {
    return p.actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  private static PrimaryFact reachable(Map<String, String> settings) {
    return new PrimaryFact.Reachable("10.0.0.11", 5432, new io.pgconverge.observe.PeerAnswer.Answered(PRIMARY_ID, 1, false, settings));
  }

  private Facts missingData(PrimaryFact primary) {
    return f.host().missingData().noConfigFiles().stopped("none").primary(primary).build();
  }

  /** A replica that streams from node1 and matches the desired state. */
  private Facts convergedReplica(String systemId, WalReceiverRow receiver, Map<String, String> primarySettings) {
    DesiredState d = f.desired();
    f.standbySignal = true;
    f.passfile = Passfile.render("10.0.0.11", 5432, List.of("replicator", "pgconverge_rewind"), Fixtures.REPLICATOR_SECRET);
    Map<String, LiveSetting> live = Fixtures.liveMatching();
    String conf = Fixtures.DATA.resolve("postgresql.conf").toString();
    live.put("primary_conninfo", new LiveSetting("primary_conninfo", io.pgconverge.desired.ReplicationConninfo.primary(d), null, "string", "sighup", "configuration file", conf, false));
    live.put("primary_slot_name", new LiveSetting("primary_slot_name", "pgc_node2", null, "string", "sighup", "configuration file", conf, false));
    ServerFact running = new ServerFact.Running(150000, true, Instant.EPOCH, live, Map.of(), List.of(),
        new ServerFact.Replication(PRIMARY_ID, 1, List.of(), List.of(), Optional.ofNullable(receiver), false));
    ControlData control = new ControlData(systemId, "in archive recovery", 1, Map.of());
    return f.host().data(new DataDirectoryFact.Initialized(Fixtures.DATA, "15", Optional.of(control))).conf(ManagedFiles.postgresqlConf(d))
        .hba(ManagedFiles.hbaConf(d))
        .server(running)
        .primary(reachable(primarySettings)).build();
  }

  private static WalReceiverRow streaming() {
    return new WalReceiverRow("streaming", "10.0.0.11", 5432, "pgc_node2", 1);
  }

  @Test
  void copiesThePrimaryIntoAnEmptyDataDirectoryInsteadOfRunningInitdb() {
    Plan plan = Planner.plan(f.desired(), missingData(reachable(Map.of())));
    assertThat(kinds(plan)).containsExactly(Action.WritePassfile.class, Action.BaseBackup.class, Action.ValidateConfig.class,
        Action.WriteFile.class, Action.WriteFile.class, Action.StartServer.class);
    Action.BaseBackup copy = (Action.BaseBackup) plan.actions().get(1);
    assertThat(copy.conninfo()).contains("host=10.0.0.11").contains("passfile=").doesNotContain(Fixtures.REPLICATOR_SECRET);
  }

  @Test
  void leavesPgdataAloneAndRefusesWhileThePrimaryIsUnreachable() {
    Plan plan = Planner.plan(f.desired(), missingData(new PrimaryFact.Unreachable("10.0.0.11", 5432, "Connection refused")));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.PRIMARY_UNREACHABLE);
      assertThat(r.message()).contains("node1").contains("Connection refused");
    });
  }

  @Test
  void rendersPrimaryConninfoAndSlotIntoPostgresqlConfNotAutoConf() {
    String conf = ManagedFiles.postgresqlConf(f.desired());
    assertThat(conf).contains("primary_conninfo = ").contains("application_name=node2").contains("primary_slot_name = pgc_node2");
    assertThat(conf).doesNotContain(Fixtures.REPLICATOR_SECRET);
  }

  @Test
  void plansNothingForAStreamingReplicaThatMatches() {
    Plan plan = Planner.plan(f.desired(), convergedReplica(PRIMARY_ID, streaming(), Map.of("max_connections", "100")));
    assertThat(plan.drifts()).isEmpty();
    assertThat(plan.actions()).isEmpty();
  }

  @Test
  void refusesADataDirectoryThatBelongsToAnotherCluster() {
    Plan plan = Planner.plan(f.desired(), convergedReplica("7399999999999999999", streaming(), Map.of()));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.refusals()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(RefusalReason.FOREIGN_CLUSTER);
      assertThat(r.message()).contains("system identifier").contains("7399999999999999999").contains(PRIMARY_ID);
    });
  }

  @Test
  void recreatesARemovedStandbySignalWithoutRestarting() {
    Facts base = convergedReplica(PRIMARY_ID, streaming(), Map.of());
    f.standbySignal = false;
    Facts facts = f.host().data(base.dataDirectory()).server(base.server()).primary(base.primary()).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.actions()).singleElement().isInstanceOfSatisfying(Action.WriteFile.class,
        w -> assertThat(w.path()).isEqualTo(Fixtures.DATA.resolve("standby.signal")));
  }

  @Test
  void fixesAHandEditedPrimaryConninfoWithAReload() {
    Facts base = convergedReplica(PRIMARY_ID, streaming(), Map.of());
    String edited = ManagedFiles.postgresqlConf(f.desired()).replace("application_name=node2", "application_name=oops");
    ServerFact.Running r = (ServerFact.Running) base.server();
    Map<String, LiveSetting> live = new java.util.LinkedHashMap<>(r.settings());
    LiveSetting pc = live.get("primary_conninfo");
    live.put("primary_conninfo", new LiveSetting(pc.name(), pc.setting().replace("node2", "oops"), null, "string", "sighup", pc.source(), pc.sourcefile(), false));
    Facts facts = f.host().data(base.dataDirectory()).conf(edited)
        .server(new ServerFact.Running(r.serverVersionNum(), true, Instant.EPOCH, live, Map.of(), List.of(), r.replication()))
        .primary(base.primary()).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).containsExactly(Action.ValidateConfig.class, Action.WriteFile.class, Action.ReloadServer.class);
    assertThat(plan.drifts()).anySatisfy(d -> assertThat(d.subject()).isEqualTo("primary_conninfo"));
    assertThat(((Action.ReloadServer) plan.actions().get(2)).awaitReceiver())
        .contains(new RecoveryRetryWait.Upstream("10.0.0.11", 5432, "pgc_node2"));
  }

  @Test
  void aReloadThatRepointsTheReplicasSlotWaitsToSeeItsReceiverStreamAndOneOfOtherSettingsDoesNot() {
    Facts base = convergedReplica(PRIMARY_ID, streaming(), Map.of());
    ServerFact.Running r = (ServerFact.Running) base.server();
    Map<String, LiveSetting> noSlot = new java.util.LinkedHashMap<>(r.settings());
    LiveSetting slot = noSlot.get("primary_slot_name");
    noSlot.put("primary_slot_name", new LiveSetting(slot.name(), "", null, "string", "sighup", slot.source(), slot.sourcefile(), false));
    Map<String, LiveSetting> otherWorkMem = new java.util.LinkedHashMap<>(r.settings());
    LiveSetting wm = otherWorkMem.get("work_mem");
    otherWorkMem.put("work_mem", new LiveSetting(wm.name(), "1024", wm.unit(), wm.vartype(), wm.context(), wm.source(), wm.sourcefile(), false));

    Action.ReloadServer repoint = reloadFor(base, r, noSlot);
    Action.ReloadServer settingsOnly = reloadFor(base, r, otherWorkMem);

    assertThat(repoint.reasons()).singleElement().asString().contains("primary_slot_name");
    assertThat(repoint.awaitReceiver()).contains(new RecoveryRetryWait.Upstream("10.0.0.11", 5432, "pgc_node2"));
    assertThat(repoint.describe()).endsWith("then see the WAL receiver stream from 10.0.0.11:5432 through slot pgc_node2");
    assertThat(settingsOnly.reasons()).singleElement().asString().contains("work_mem");
    assertThat(settingsOnly.awaitReceiver()).isEmpty();
  }

  private Action.ReloadServer reloadFor(Facts base, ServerFact.Running r, Map<String, LiveSetting> live) {
    Facts facts = f.host().data(base.dataDirectory()).conf(ManagedFiles.postgresqlConf(f.desired())).hba(ManagedFiles.hbaConf(f.desired()))
        .server(new ServerFact.Running(r.serverVersionNum(), true, Instant.EPOCH, live, Map.of(), List.of(), r.replication()))
        .primary(base.primary()).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).as("%s", plan.actions()).containsExactly(Action.ReloadServer.class);
    return (Action.ReloadServer) plan.actions().get(0);
  }

  @Test
  void reportsAHotStandbySettingLowerThanThePrimarysBeforeItStopsTheReplica() {
    Plan plan = Planner.plan(f.desired(), convergedReplica(PRIMARY_ID, streaming(), Map.of("max_connections", "300")));
    assertThat(plan.drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.STANDBY);
      assertThat(d.subject()).isEqualTo("max_connections");
      assertThat(d.desired()).contains("300");
      assertThat(d.actual()).isEqualTo("100");
    });
    assertThat(plan.refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.HOT_STANDBY_SETTING));
  }

  @Test
  void reportsAWalReceiverThatDoesNotStream() {
    Plan plan = Planner.plan(f.desired(), convergedReplica(PRIMARY_ID, null, Map.of()));
    assertThat(plan.drifts()).singleElement().satisfies(d -> assertThat(d.kind()).isEqualTo(DriftKind.REPLICATION));
    assertThat(plan.actions()).isEmpty();
  }

  @Test
  void writesThePassfileWhenThePasswordChanged() {
    Facts base = convergedReplica(PRIMARY_ID, streaming(), Map.of());
    f.passfile = Passfile.render("10.0.0.11", 5432, "replicator", "old-password");
    Facts facts = f.host().data(base.dataDirectory()).server(base.server()).primary(base.primary()).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(kinds(plan)).containsExactly(Action.WritePassfile.class);
    assertThat(plan.drifts().toString()).doesNotContain("old-password").doesNotContain(Fixtures.REPLICATOR_SECRET);
  }

  @Test
  void withTlsTheReplicationLinesBecomeHostsslAndReplicasVerifyTheServer() {
    f.ssl = Optional.of(new SslSpec(Path.of("/etc/ssl/node.crt"), Path.of("/etc/ssl/node.key"), Path.of("/etc/ssl/ca.crt")));
    DesiredState d = f.desired();
    assertThat(ManagedFiles.hbaConf(d).lines().filter(l -> l.contains("replication"))).allMatch(l -> l.startsWith("hostssl"));
    assertThat(io.pgconverge.desired.ReplicationConninfo.primary(d)).contains("sslmode=verify-full").contains("sslrootcert=/etc/ssl/ca.crt");
    assertThat(ManagedFiles.postgresqlConf(d)).contains("ssl = on").contains("ssl_cert_file = '/etc/ssl/node.crt'");
  }

  @Test
  void withoutTlsNothingChangesForHba() {
    assertThat(ManagedFiles.hbaConf(f.desired()).lines().filter(l -> l.contains("replication"))).allMatch(l -> l.startsWith("host "));
  }

  @Test
  void primaryCreatesOneSlotPerReplicaAndDropsOnlyItsOwnStaleSlots() {
    f.self = "node1";
    Facts base = f.converged();
    ServerFact.Running r = (ServerFact.Running) base.server();
    ServerFact.Replication rep = new ServerFact.Replication(PRIMARY_ID, 1, r.replication().senders(),
        List.of(new SlotRow("pgc_node9", "physical", false, "reserved"), new SlotRow("backup_tool", "physical", false, "reserved")),
        Optional.empty(), true);
    Facts facts = f.host().data(base.dataDirectory())
        .server(new ServerFact.Running(r.serverVersionNum(), false, Instant.EPOCH, r.settings(), r.roles(), List.of(), rep)).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.actions()).containsExactlyInAnyOrder(new Action.CreateSlot("pgc_node2"), new Action.DropSlot("pgc_node9"));
  }

  @Test
  void primaryMakesNoSlotsWhenSlotsAreOff() {
    f.self = "node1";
    f.slots = false;
    Facts base = f.converged();
    ServerFact.Running r = (ServerFact.Running) base.server();
    ServerFact.Replication rep = new ServerFact.Replication(PRIMARY_ID, 1, r.replication().senders(), List.of(), Optional.empty(), true);
    Facts facts = f.host().data(base.dataDirectory())
        .server(new ServerFact.Running(r.serverVersionNum(), false, Instant.EPOCH, r.settings(), r.roles(), List.of(), rep)).build();
    assertThat(Planner.plan(f.desired(), facts).actions()).isEmpty();
  }

  @Test
  void primaryReportsAListedReplicaThatDoesNotStream() {
    f.self = "node1";
    Facts base = f.converged();
    ServerFact.Running r = (ServerFact.Running) base.server();
    ServerFact.Replication rep = new ServerFact.Replication(PRIMARY_ID, 1, List.of(), r.replication().slots(), Optional.empty(), true);
    Facts facts = f.host().data(base.dataDirectory())
        .server(new ServerFact.Running(r.serverVersionNum(), false, Instant.EPOCH, r.settings(), r.roles(), List.of(), rep)).build();
    Plan plan = Planner.plan(f.desired(), facts);
    assertThat(plan.drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.REPLICATION);
      assertThat(d.subject()).isEqualTo("node2");
      assertThat(d.actual()).isEqualTo("not connected");
    });
  }

  @Test
  void everySettingTheRenderedFileManagesIsOneTheServerProbeAlwaysReads() {
    f.ssl = Optional.of(new SslSpec(Path.of("/etc/ssl/node.crt"), Path.of("/etc/ssl/node.key"), Path.of("/etc/ssl/ca.crt")));
    assertThat(f.desired().managedSettingNames()).containsAll(ManagedFiles.settings(f.desired()).keySet());
  }
}
