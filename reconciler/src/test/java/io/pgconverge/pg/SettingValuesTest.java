package io.pgconverge.pg;

import static io.pgconverge.pg.SettingValues.canonical;
import static io.pgconverge.pg.SettingValues.sameMeaning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Expected values were checked with {@code postgres -C} on PostgreSQL 15. */
class SettingValuesTest {

  @Test
  void treatsOneGigabyteAsOneHundredThirtyOneThousandEightKilobytePages() {
    assertThat(canonical("1GB", "integer", "8kB")).isEqualTo("131072");
    assertThat(canonical("1.5GB", "integer", "8kB")).isEqualTo("196608");
  }

  @Test
  void treatsOneGigabyteAsOneThousandTwentyFourMegabytes() {
    assertThat(canonical("1GB", "integer", "MB")).isEqualTo("1024");
    assertThat(canonical("152MB", "integer", "MB")).isEqualTo("152");
  }

  @Test
  void readsABareNumberInTheSettingsOwnUnit() {
    assertThat(canonical("152", "integer", "MB")).isEqualTo("152");
    assertThat(canonical("16384", "integer", "8kB")).isEqualTo("16384");
  }

  @Test
  void roundsHalfToEvenLikeTheServersRint() {
    assertThat(canonical("1004kB", "integer", "8kB")).isEqualTo("126");
    assertThat(canonical("1012kB", "integer", "8kB")).isEqualTo("126");
    assertThat(canonical("1500us", "integer", "ms")).isEqualTo("2");
    assertThat(canonical("100us", "integer", "ms")).isEqualTo("0");
  }

  @Test
  void convertsTimeUnitsAndAllowsSpaceBeforeTheUnit() {
    assertThat(canonical("1.5s", "integer", "ms")).isEqualTo("1500");
    assertThat(canonical("1 min", "integer", "ms")).isEqualTo("60000");
    assertThat(canonical("1d", "integer", "min")).isEqualTo("1440");
    assertThat(canonical("+5MB", "integer", "kB")).isEqualTo("5120");
  }

  @Test
  void readsIntegersAsCStrtolDoesIncludingOctalAndHex() {
    assertThat(canonical("010", "integer", null)).isEqualTo("8");
    assertThat(canonical("0x10", "integer", null)).isEqualTo("16");
    assertThat(canonical("-1", "integer", "ms")).isEqualTo("-1");
  }

  @Test
  void rejectsUnitsInTheWrongCase() {
    assertThatThrownBy(() -> canonical("1mb", "integer", "MB"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"mb\"")
        .hasMessageContaining("B, kB, MB, GB, TB");
  }

  @Test
  void rejectsAUnitOnASettingWithoutOne() {
    assertThatThrownBy(() -> canonical("5MB", "integer", null))
        .hasMessageContaining("does not accept a unit");
  }

  @Test
  void rejectsATimeUnitOnAMemorySetting() {
    assertThatThrownBy(() -> canonical("5s", "integer", "kB")).hasMessageContaining("\"s\"");
  }

  @Test
  void rejectsIntegersOutsideThirtyTwoBits() {
    assertThatThrownBy(() -> canonical("3000000000", "integer", null))
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> canonical("1TB", "integer", "B")).hasMessageContaining("out of range");
  }

  @Test
  void rejectsTextThatIsNoNumber() {
    assertThatThrownBy(() -> canonical("lots", "integer", "MB"))
        .hasMessageContaining("\"lots\"");
    assertThatThrownBy(() -> canonical("", "real", null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void acceptsBooleanSpellingsAndUniquePrefixes() {
    for (String on : new String[] {"on", "ON", "true", "t", "tr", "yes", "Y", "1"}) {
      assertThat(canonical(on, "bool", null)).as(on).isEqualTo("on");
    }
    for (String off : new String[] {"off", "of", "false", "F", "no", "n", "0"}) {
      assertThat(canonical(off, "bool", null)).as(off).isEqualTo("off");
    }
  }

  @Test
  void rejectsTheAmbiguousBooleanO() {
    assertThatThrownBy(() -> canonical("o", "bool", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ambiguous");
    assertThatThrownBy(() -> canonical("maybe", "bool", null)).hasMessageContaining("maybe");
  }

  @Test
  void lowerCasesAndTrimsEnums() {
    assertThat(canonical(" REPLICA ", "enum", null)).isEqualTo("replica");
  }

  @Test
  void stripsTrailingZerosFromReals() {
    assertThat(canonical("0.50", "real", null)).isEqualTo("0.5");
    assertThat(canonical(".5e0", "real", null)).isEqualTo("0.5");
    assertThat(canonical("2", "real", null)).isEqualTo("2");
    assertThat(canonical("1e3", "real", null)).isEqualTo("1000");
    assertThat(canonical("0.0", "real", null)).isEqualTo("0");
  }

  @Test
  void convertsRealUnitsWithoutRounding() {
    assertThat(canonical("1500us", "real", "ms")).isEqualTo("1.5");
    assertThat(canonical("2s", "real", "ms")).isEqualTo("2000");
  }

  @Test
  void leavesStringsUnchanged() {
    assertThat(canonical(" Mixed Case ", "string", null)).isEqualTo(" Mixed Case ");
  }

  @Test
  void rejectsAnUnknownVartype() {
    assertThatThrownBy(() -> canonical("1", "float", null)).hasMessageContaining("\"float\"");
  }

  @Test
  void comparesByMeaning() {
    assertThat(sameMeaning("131072", "1GB", "integer", "8kB")).isTrue();
    assertThat(sameMeaning("1024", "1GB", "integer", "MB")).isTrue();
    assertThat(sameMeaning("on", "yes", "bool", null)).isTrue();
    assertThat(sameMeaning("0.5", "0.50", "real", null)).isTrue();
    assertThat(sameMeaning("replica", "Replica", "enum", null)).isTrue();
    assertThat(sameMeaning("1024", "2GB", "integer", "MB")).isFalse();
    assertThat(sameMeaning("a", "A", "string", null)).isFalse();
  }

  @Test
  void treatsAnInvalidValueAsDifferentUnlessRawStringsAreEqual() {
    assertThat(sameMeaning("on", "o", "bool", null)).isFalse();
    assertThat(sameMeaning("o", "o", "bool", null)).isTrue();
    assertThat(sameMeaning(null, "1", "integer", null)).isFalse();
  }
}
