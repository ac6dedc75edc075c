package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.Facts;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresqlConfStepTest {
  private final Fixtures f = new Fixtures();

  private static List<Class<?>> kinds(PlanBuilder b) {
    return b.build().actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  private PlanBuilder planWith(String conf) {
    PlanBuilder plan = f.builder(f.host().conf(conf).build());
    assertThat(new PostgresqlConfStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    return plan;
  }

  @Test
  void leavesAFileWithTheRenderedBytesAlone() {
    PlanBuilder plan = planWith(ManagedFiles.postgresqlConf(f.desired()));
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().drifts()).isEmpty();
  }

  @Test
  void namesAHandEditedSettingWithItsLineThenValidatesAndWrites() {
    PlanBuilder plan = planWith(ManagedFiles.postgresqlConf(f.desired()).replace("work_mem = 4MB", "work_mem = 64MB"));
    assertThat(kinds(plan)).containsExactly(Action.ValidateConfig.class, Action.WriteFile.class);
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.SETTING);
      assertThat(d.subject()).isEqualTo("work_mem");
      assertThat(d.actual()).startsWith("64MB (postgresql.conf:");
    });
  }

  @Test
  void comparesByMeaningSoTenTwentyFourMegabytesOnDiskIsOneGigabyte() {
    PlanBuilder plan = planWith(ManagedFiles.postgresqlConf(f.desired()).replace("wal_keep_size = 1GB", "wal_keep_size = 1024MB"));
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.CONFIG_FILE);
      assertThat(d.actual()).isEqualTo("layout or comments differ");
    });
  }

  @Test
  void namesASettingTheDesiredStateDoesNotSet() {
    PlanBuilder plan = planWith(ManagedFiles.postgresqlConf(f.desired()) + "statement_timeout = '5s'\n");
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> {
      assertThat(d.subject()).isEqualTo("statement_timeout");
      assertThat(d.desired()).isEqualTo("not set");
    });
  }

  @Test
  void namesAnAbsentFileAndAFileThatDoesNotParse() {
    assertThat(planWith(null).build().drifts()).singleElement().satisfies(d -> assertThat(d.actual()).isEqualTo("absent"));
    assertThat(planWith("work_mem = 'unterminated\n").build().drifts()).singleElement()
        .satisfies(d -> assertThat(d.actual()).startsWith("does not parse at line 1"));
  }

  @Test
  void writesWithoutNamingDriftDuringABootstrap() {
    PlanBuilder plan = f.builder(f.host().missingData().noConfigFiles().stopped("no data").build());
    plan.bootstrapping();
    new PostgresqlConfStep().plan(plan);
    assertThat(kinds(plan)).containsExactly(Action.ValidateConfig.class, Action.WriteFile.class);
    assertThat(plan.build().drifts()).isEmpty();
  }

  @Test
  void refusesAnUnreadableFileAndWritesNothing() {
    Facts base = f.converged();
    Map<Path, FileFact> files = new LinkedHashMap<>(base.files());
    Path conf = Fixtures.DATA.resolve("postgresql.conf");
    files.put(conf, new FileFact.Unreadable(conf, "Permission denied"));
    PlanBuilder plan = f.builder(new Facts(base.dataDirectory(), files, base.server(), base.secrets(), base.binaries(),
        base.primary(), base.upstream()));
    new PostgresqlConfStep().plan(plan);
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.build().refusals()).singleElement().satisfies(r -> assertThat(r.reason()).isEqualTo(RefusalReason.FILE_UNREADABLE));
  }
}
