package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pg_hba.conf drift is found by comparing parsed records, not text. */
class HbaFileStepTest {
  private final Fixtures f = new Fixtures();

  private PlanBuilder planWith(String hba) {
    PlanBuilder plan = f.builder(f.host().hba(hba).build());
    assertThat(new HbaFileStep().plan(plan)).isEqualTo(PlanStep.Next.CONTINUE);
    return plan;
  }

  private List<String> renderedLines() {
    return new ArrayList<>(ManagedFiles.hbaConf(f.desired()).lines().toList());
  }

  @Test
  void leavesTheRenderedFileAlone() {
    PlanBuilder plan = planWith(ManagedFiles.hbaConf(f.desired()));
    assertThat(plan.build().actions()).isEmpty();
    assertThat(plan.hbaRecordsChanged()).isFalse();
  }

  @Test
  void namesTwoSwappedRecordsByPositionAndSaysTheRecordsChanged() {
    List<String> lines = renderedLines();
    Collections.swap(lines, lines.size() - 3, lines.size() - 2);
    PlanBuilder plan = planWith(String.join("\n", lines) + "\n");
    assertThat(plan.build().drifts()).allSatisfy(d -> assertThat(d.kind()).isEqualTo(DriftKind.HBA))
        .anySatisfy(d -> assertThat(d.actual()).contains("order matters"));
    assertThat(plan.hbaRecordsChanged()).isTrue();
    assertThat(plan.build().actions()).singleElement().isInstanceOf(Action.WriteFile.class);
  }

  @Test
  void namesAMissingRecordAndAnExtraOne() {
    List<String> lines = renderedLines();
    lines.removeIf(l -> l.startsWith("local"));
    lines.add("host all all 0.0.0.0/0 trust");
    PlanBuilder plan = planWith(String.join("\n", lines) + "\n");
    assertThat(plan.build().drifts()).anySatisfy(d -> {
      assertThat(d.subject()).isEqualTo("pg_hba.conf record 1");
      assertThat(d.desired()).isEqualTo("local all postgres peer");
      assertThat(d.actual()).isEqualTo("missing");
    }).anySatisfy(d -> {
      assertThat(d.desired()).isEqualTo("absent");
      assertThat(d.actual()).isEqualTo("host all all 0.0.0.0/0 trust");
    });
    assertThat(plan.hbaRecordsChanged()).isTrue();
  }

  @Test
  void theSameRecordsWrittenDifferentlyAreLayoutOnly() {
    // tabs for spaces, a needlessly quoted name, comments: the server reads the same records
    List<String> rewritten = new ArrayList<>(List.of("# edited by hand"));
    for (String l : renderedLines()) {
      rewritten.add(l.startsWith("local") ? "local all \"postgres\" peer   # the reconciler's own way in" : l.replaceAll(" +", "\t"));
    }
    PlanBuilder plan = planWith(String.join("\n", rewritten) + "\n");
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(DriftKind.CONFIG_FILE);
      assertThat(d.actual()).isEqualTo("layout or comments differ");
    });
    assertThat(plan.hbaRecordsChanged()).as("comments only: a reload for the rewrite, not for changed records").isFalse();
    assertThat(plan.build().actions()).singleElement().isInstanceOf(Action.WriteFile.class);
  }

  @Test
  void namesAFileThatDoesNotParseWithItsLine() {
    PlanBuilder plan = planWith("local all postgres peer\nhots all all 10.0.0.0/8 md5\n");
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> assertThat(d.actual()).startsWith("does not parse at line 2"));
    assertThat(plan.hbaRecordsChanged()).isTrue();
  }

  @Test
  void namesAnAbsentFile() {
    PlanBuilder plan = planWith(null);
    assertThat(plan.build().drifts()).singleElement().satisfies(d -> assertThat(d.actual()).isEqualTo("absent"));
    assertThat(plan.hbaRecordsChanged()).isFalse();
  }
}
