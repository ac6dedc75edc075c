package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.SynchronousSpec;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.PeerAnswer;
import io.pgconverge.observe.ReplicationRow;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.SlotRow;
import io.pgconverge.observe.UpstreamFact;
import io.pgconverge.observe.WalReceiverRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code strict: false}: the primary drops to asynchronous while too few standbys stream and comes
 * back when enough do; {@code strict: true} never drops; a new primary has its list before it is
 * promoted. Each branch as the planner decides it from pg_stat_replication.
 */
class SynchronousDegradeTest {
  private static final String DECLARED = "ANY 1 (\"node2\")";
  private static final String CONF = Fixtures.DATA.resolve("postgresql.conf").toString();
  private static final ReplicationRow NODE2 = new ReplicationRow(4242, "node2", "10.0.0.12", "streaming", "0/3000060", 0, false);
  private static final ReplicationRow NODE2_CATCHING_UP = new ReplicationRow(4242, "node2", "10.0.0.12", "catchup", null, 0, false);
  private final Fixtures f = new Fixtures();

  private DesiredState synchronous(boolean strict) {
    return withSynchronous(f.desired(), new SynchronousSpec(SynchronousSpec.Method.ANY, 1, strict, List.of("node1", "node2")));
  }

  private static DesiredState withSynchronous(DesiredState d, SynchronousSpec spec) {
    ReplicationSpec r = d.replication().orElseThrow();
    return new DesiredState(d.source(), d.version(), d.cluster(), d.self(), d.peers(), d.postgres(), d.roles(),
        Optional.of(new ReplicationSpec(r.user(), r.passwordFile(), r.slots(), Optional.of(spec))), d.policy(), d.locations());
  }

  /** A running primary whose live synchronous_standby_names is {@code live}, with these walsenders. */
  private static ServerFact.Running primary(String live, ReplicationRow... senders) {
    Map<String, LiveSetting> settings = new LinkedHashMap<>(Fixtures.liveMatching());
    settings.put("synchronous_standby_names",
        new LiveSetting("synchronous_standby_names", live, null, "string", "sighup", "configuration file", CONF, false));
    return new ServerFact.Running(150000, false, Instant.EPOCH, settings, Fixtures.rolesMatching(), List.of(),
        new ServerFact.Replication("7300000000000000001", 1, List.of(senders),
            List.of(new SlotRow("pgc_node2", "physical", senders.length > 0, "reserved")), Optional.empty(), true));
  }

  private Facts host(DesiredState renderedFrom, ServerFact server) {
    return f.host().conf(ManagedFiles.postgresqlConf(renderedFrom)).server(server).build();
  }

  private static String writtenConf(Plan plan) {
    return plan.actions().stream().filter(a -> a instanceof Action.WriteFile w && w.path().toString().equals(CONF))
        .map(a -> ((Action.WriteFile) a).content()).findFirst().orElseThrow();
  }

  @Test
  void strictFalseWithNoStandbyStreamingDegradesAndSaysWhichIsMissing() {
    SynchronousStandbys.Decision d = SynchronousStandbys.decide(synchronous(false), primary(DECLARED)).orElseThrow();

    assertThat(d.degraded()).isTrue();
    assertThat(d.declared()).isEqualTo(DECLARED);
    assertThat(d.effective()).isEmpty();
    assertThat(d.missing()).containsExactly("node2");
    assertThat(d.reason()).contains("0 of the 1 standby(s) needed stream").contains("not streaming: node2")
        .contains("strict: false");
  }

  @Test
  void aStandbyStillCatchingUpDoesNotCountAsStreaming() {
    assertThat(SynchronousStandbys.decide(synchronous(false), primary(DECLARED, NODE2_CATCHING_UP)).orElseThrow().degraded())
        .isTrue();
  }

  @Test
  void strictFalseWithEnoughStreamingKeepsTheDeclaredList() {
    SynchronousStandbys.Decision d = SynchronousStandbys.decide(synchronous(false), primary(DECLARED, NODE2)).orElseThrow();

    assertThat(d.degraded()).isFalse();
    assertThat(d.effective()).isEqualTo(DECLARED);
    assertThat(d.streaming()).containsExactly("node2");
    assertThat(d.reason()).isEmpty();
  }

  @Test
  void strictTrueNeverDegradesCommitsWaitInstead() {
    DesiredState strict = synchronous(true);
    ServerFact.Running none = primary(DECLARED);

    assertThat(SynchronousStandbys.decide(strict, none).orElseThrow().degraded()).isFalse();
    assertThat(SynchronousStandbys.commitsWaiting(strict, none.replication().senders())).isPresent();
    assertThat(ManagedFiles.postgresqlConf(SynchronousStandbys.effective(strict, none)))
        .contains("synchronous_standby_names = '" + DECLARED + "'");
  }

  @Test
  void aServerThatIsNotRunningIsNotJudgedAndKeepsTheDeclaredList() {
    assertThat(SynchronousStandbys.decide(synchronous(false), new ServerFact.NotRunning("stopped")).orElseThrow().degraded())
        .isFalse();
  }

  @Test
  void aReplicaAndAnAsynchronousClusterHaveNoDecision() {
    f.self = "node2";
    assertThat(SynchronousStandbys.decide(synchronous(false), primary(""))).isEmpty();
    f.self = "node1";
    assertThat(SynchronousStandbys.decide(f.desired(), primary(""))).isEmpty();
  }

  @Test
  void degradingRewritesPostgresqlConfWithAnEmptyListAndReloads() {
    DesiredState desired = synchronous(false);
    Plan plan = Planner.plan(desired, host(desired, primary(DECLARED)));

    assertThat(writtenConf(plan)).contains("synchronous_standby_names = ''");
    assertThat(plan.actions()).anySatisfy(a -> assertThat(a).isInstanceOfSatisfying(Action.ReloadServer.class,
        r -> assertThat(r.expect()).anyMatch(e -> e.name().equals("synchronous_standby_names") && e.value().isEmpty())));
  }

  @Test
  void aSecondRunWhileStillDegradedChangesNothing() {
    DesiredState desired = synchronous(false);
    ServerFact.Running degraded = primary("");
    Plan plan = Planner.plan(desired, host(SynchronousStandbys.effective(desired, degraded), degraded));

    assertThat(plan.hasMutations()).as("actions: %s", plan.actions()).isFalse();
  }

  @Test
  void whenAStandbyStreamsAgainTheDeclaredListComesBackByReload() {
    DesiredState desired = synchronous(false);
    ServerFact.Running back = primary("", NODE2);
    Facts facts = host(SynchronousStandbys.effective(desired, primary("")), back);
    Plan plan = Planner.plan(desired, facts);

    assertThat(writtenConf(plan)).contains("synchronous_standby_names = '" + DECLARED + "'");
    assertThat(plan.actions()).hasAtLeastOneElementOfType(Action.ReloadServer.class)
        .doesNotHaveAnyElementsOfTypes(Action.RestartServer.class);
  }

  @Test
  void theNewPrimaryWritesAndLoadsItsListBeforeItIsPromoted() {
    f.self = "node2";
    DesiredState desired = withSynchronous(new SwappedRoles(f).desired(),
        new SynchronousSpec(SynchronousSpec.Method.ANY, 1, true, List.of("node1", "node2", "node3")));
    Map<String, LiveSetting> live = new LinkedHashMap<>(Fixtures.liveMatching());
    live.put("primary_conninfo", new LiveSetting("primary_conninfo", "host=10.0.0.11 port=5432 user=replicator", null,
        "string", "sighup", "configuration file", CONF, false));
    live.put("synchronous_standby_names", new LiveSetting("synchronous_standby_names", "", null, "string", "sighup", "default",
        null, false));
    ServerFact standby = new ServerFact.Running(150000, true, Instant.EPOCH, live, Map.of(), List.of(),
        new ServerFact.Replication("7300000000000000001", 1, List.of(), List.of(),
            Optional.of(new WalReceiverRow("streaming", "10.0.0.11", 5432, "pgc_node2", 1)), false));
    Facts facts = f.host().data(new DataDirectoryFact.Initialized(Fixtures.DATA, "15", Optional.empty())).conf("old conf\n")
        .hba("old hba\n").server(standby)
        .upstream(new UpstreamFact.Asked("node1", "10.0.0.11", 5432, new PeerAnswer.Refused("Connection refused"))).build();

    Plan plan = Planner.plan(desired, facts);

    List<Action> actions = plan.actions();
    int promote = indexOf(actions, Action.Promote.class);
    assertThat(writtenConf(plan)).contains("synchronous_standby_names = 'ANY 1 (\"node1\", \"node3\")'");
    assertThat(indexOf(actions, Action.WriteFile.class)).isLessThan(promote);
    assertThat(indexOf(actions, Action.ReloadServer.class)).isLessThan(promote);
    assertThat(((Action.ReloadServer) actions.get(indexOf(actions, Action.ReloadServer.class))).expect())
        .anyMatch(e -> e.name().equals("synchronous_standby_names"));
    assertThat(new Action.Promote("x").needs()).contains(Stage.CONFIG_FILES);
  }

  private static int indexOf(List<Action> actions, Class<?> type) {
    for (int i = 0; i < actions.size(); i++) {
      if (type.isInstance(actions.get(i))) {
        return i;
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + actions);
  }
}
