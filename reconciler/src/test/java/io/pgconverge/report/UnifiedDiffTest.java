package io.pgconverge.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnifiedDiffTest {
  @Test
  void showsAChangedLineWithItsContextLikeDiffU() {
    String before = "a\nb\nc\nwork_mem = 64MB\nd\ne\nf\ng\n";
    String after = "a\nb\nc\nwork_mem = 4MB\nd\ne\nf\ng\n";
    assertThat(UnifiedDiff.of("/etc/x.conf", before, after)).isEqualTo(
        "--- /etc/x.conf\n+++ /etc/x.conf (desired)\n@@ -1,7 +1,7 @@\n a\n b\n c\n-work_mem = 64MB\n+work_mem = 4MB\n d\n e\n f\n");
  }

  @Test
  void aMissingFileDiffsAgainstNothing() {
    assertThat(UnifiedDiff.of("/x", "", "one\ntwo\n")).isEqualTo("--- /x\n+++ /x (desired)\n@@ -0,0 +1,2 @@\n+one\n+two\n");
  }

  @Test
  void identicalTextsHaveNoHunk() {
    assertThat(UnifiedDiff.of("/x", "same\n", "same\n")).isEqualTo("--- /x\n+++ /x (desired)\n");
  }
}
