package io.pgconverge.desired;

import static io.pgconverge.desired.DesiredStateFixtures.problems;
import static io.pgconverge.desired.DesiredStateFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.SynchronousSpec.Method;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code replication.synchronous} and {@code peers[].nosync}, as a DBA would write them and get them wrong. */
class SynchronousBinderTest {
  private static final String BASE = """
      version: 1
      cluster: main
      peers:
        - {name: node1, host: 10.0.0.11, role: primary}
        - {name: node2, host: 10.0.0.12, role: replica}
        - {name: node3, host: 10.0.0.13, role: replica}
      postgres:
        data: /var/lib/postgresql/15/main
        hba:
          - local all postgres peer
          - host replication replicator peers scram-sha-256
      roles:
        - {name: replicator, login: true, replication: true}
      replication:
        user: replicator
        password_file: /etc/pgconverge/replicator.password
      """;

  private static LoadResult with(String text) {
    return DesiredStateFixtures.parse(text, "desired-state.yaml", SplittingHbaParser.INSTANCE);
  }

  private static Optional<SynchronousSpec> synchronous(String text) {
    return valid(with(text)).replication().orElseThrow().synchronous();
  }

  @Test
  void noSectionIsAsynchronous() {
    assertThat(synchronous(BASE)).isEmpty();
  }

  @Test
  void anyOneOverEveryPeerIsStrictByDefault() {
    SynchronousSpec s = synchronous(BASE + "  synchronous: {method: any, number: 1}\n").orElseThrow();

    assertThat(s).isEqualTo(new SynchronousSpec(Method.ANY, 1, true, List.of("node1", "node2", "node3")));
  }

  @Test
  void firstTwoAndANosyncPeerIsLeftOut() {
    String text = BASE.replace("role: replica}\npostgres", "role: replica, nosync: true}\npostgres")
        .replace("name: node1, host: 10.0.0.11, role: primary}", "name: node1, host: 10.0.0.11, role: primary}\n  - {name: node4, host: 10.0.0.14, role: replica}")
        + "  synchronous:\n    method: first\n    number: 2\n    strict: true\n";

    SynchronousSpec s = synchronous(text).orElseThrow();

    assertThat(s).isEqualTo(new SynchronousSpec(Method.FIRST, 2, true, List.of("node1", "node4", "node2")));
  }

  @Test
  void moreStandbysThanTheEligibleReplicasIsRefusedAtTheNumber() {
    String text = BASE.replace("role: replica}\npostgres", "role: replica, nosync: true}\npostgres")
        + "  synchronous: {method: any, number: 2}\n";

    assertThat(problems(with(text))).containsExactly(
        "/etc/pgconverge/desired-state.yaml:17:38: replication.synchronous.number: is 2, but only 1 replica peer(s) may be"
            + " synchronous (peers with nosync: true are left out); commits would wait forever");
  }

  @Test
  void onOffAZeroAnUnknownMethodAndAWrongStrictAreEachOneLineAtTheValue() {
    assertThat(problems(with(BASE + "  synchronous: on\n"))).containsExactly(
        "/etc/pgconverge/desired-state.yaml:17:16: replication.synchronous: must be a mapping {method: any|first, number: N,"
            + " strict: true|false}, got on; there is no on/off: leave the section out for asynchronous replication");
    assertThat(problems(with(BASE + "  synchronous: {method: all, number: 0, strict: maybe}\n")))
        .hasSize(2)
        .allMatch(p -> p.startsWith("/etc/pgconverge/desired-state.yaml:17:"))
        .anyMatch(p -> p.contains("replication.synchronous.method: must be any or first"))
        .anyMatch(p -> p.contains("replication.synchronous.strict: must be true or false"));
    assertThat(problems(with(BASE + "  synchronous: {method: any, number: 0}\n"))).containsExactly(
        "/etc/pgconverge/desired-state.yaml:17:38: replication.synchronous.number: must be 1 or more, got 0;"
            + " leave replication.synchronous out for asynchronous replication");
    assertThat(problems(with(BASE + "  synchronous: {method: any}\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:17:3: replication.synchronous.number: required key \"number\" is missing");
    assertThat(problems(with(BASE + "  synchronous: {method: any, numbr: 1}\n")))
        .anyMatch(p -> p.contains("unknown key \"numbr\"; did you mean \"number\"?"));
    assertThat(problems(with(BASE.replace("role: primary}", "role: primary, nosync: yes please}"))))
        .containsExactly("/etc/pgconverge/desired-state.yaml:4:59: peers[0].nosync: must be true or false, got \"yes please\"");
  }

  @Test
  void strictFalseIsAcceptedAndNeverDegradedAsWritten() {
    SynchronousSpec s = synchronous(BASE + "  synchronous: {method: any, number: 1, strict: false}\n").orElseThrow();

    assertThat(s).isEqualTo(new SynchronousSpec(Method.ANY, 1, false, List.of("node1", "node2", "node3")));
    assertThat(s.degraded()).isFalse();
    assertThat(problems(with(BASE + "  synchronous: {method: any, number: 1, strict: nope}\n")))
        .singleElement().asString().contains("replication.synchronous.strict");
  }

  @Test
  void synchronousStandbyNamesIsRefusedInPostgresSettings() {
    String text = BASE.replace("  hba:\n", "  settings: {synchronous_standby_names: '*'}\n  hba:\n");

    assertThat(problems(with(text))).singleElement().asString()
        .contains("postgres.settings.synchronous_standby_names")
        .contains("replication.synchronous");
  }
}
