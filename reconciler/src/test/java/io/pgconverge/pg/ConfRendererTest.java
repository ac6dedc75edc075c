package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfRendererTest {

  @Test
  void writesHeaderThenBlankLineThenSettingsInMapOrder() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("wal_level", "replica");
    settings.put("listen_addresses", "*");
    settings.put("wal_keep_size", "152MB");
    assertThat(ConfRenderer.render(List.of("managed by pgconverge; edits are reverted", "from x.yaml"), settings))
        .isEqualTo(
            "# managed by pgconverge; edits are reverted\n# from x.yaml\n\n"
                + "wal_level = replica\nlisten_addresses = '*'\nwal_keep_size = 152MB\n");
  }

  @Test
  void writesNoBlankLineWithoutHeader() {
    assertThat(ConfRenderer.render(List.of(), Map.of("a", "1"))).isEqualTo("a = 1\n");
  }

  @Test
  void leavesNumbersWithOptionalUnitsBare() {
    assertThat(List.of("3", "152MB", "-1", "0.5", "1024"))
        .allSatisfy(v -> assertThat(ConfRenderer.quoteValue(v)).isEqualTo(v));
  }

  @Test
  void leavesIdentifierLikeWordsBare() {
    assertThat(ConfRenderer.quoteValue("replica")).isEqualTo("replica");
    assertThat(ConfRenderer.quoteValue("on")).isEqualTo("on");
  }

  @Test
  void quotesEverythingElseDoublingQuotes() {
    assertThat(ConfRenderer.quoteValue("*")).isEqualTo("'*'");
    assertThat(ConfRenderer.quoteValue("localhost,10.0.0.1")).isEqualTo("'localhost,10.0.0.1'");
    assertThat(ConfRenderer.quoteValue("it's")).isEqualTo("'it''s'");
    assertThat(ConfRenderer.quoteValue("")).isEqualTo("''");
    assertThat(ConfRenderer.quoteValue("1.5GB")).isEqualTo("'1.5GB'");
    assertThat(ConfRenderer.quoteValue("a.b")).isEqualTo("'a.b'");
  }

  @Test
  void doublesBackslashesBecauseTheServerTreatsThemAsEscapes() {
    assertThat(ConfRenderer.quoteValue("C:\\x")).isEqualTo("'C:\\\\x'");
  }

  @Test
  void rejectsASettingNameThatCouldNotBeReadBack() {
    assertThatThrownBy(() -> ConfRenderer.render(List.of(), Map.of("bad name", "1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad name");
  }
}
