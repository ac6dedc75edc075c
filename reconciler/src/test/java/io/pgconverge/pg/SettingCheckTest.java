package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SettingCheckTest {
  private static final SettingCatalogue PG15 = SettingCatalogue.of(15);

  private static Optional<String> check(String name, String value) {
    return SettingCheck.problem(PG15, name, value);
  }

  private static Optional<String> check(int major, String name, String value) {
    return SettingCheck.problem(SettingCatalogue.of(major), name, value);
  }

  @Test
  void acceptsBooleansAndTheirUniquePrefixesInAnyCase() {
    for (String v : new String[] {"on", "OFF", "True", "t", "fa", "YES", "ye", "n", "no", "1", "0", "of"}) {
      assertThat(check("wal_log_hints", v)).as(v).isEmpty();
    }
  }

  @Test
  void refusesWhatParseBoolRefuses() {
    for (String v : new String[] {"o", "maybe", " on", "on ", "2", "", "01", "onn"}) {
      assertThat(check("wal_log_hints", v)).as("\"" + v + "\"").get().asString()
          .contains("must be a Boolean");
    }
  }

  @Test
  void readsIntegersAsStrtolDoesWithHexOctalAndRoundedFractions() {
    assertThat(check("port", "0x1F90")).isEmpty();
    assertThat(check("max_connections", "017")).isEmpty();
    assertThat(check("max_connections", "1.5")).isEmpty();
    assertThat(check("max_connections", "1e2")).isEmpty();
    assertThat(check("max_connections", " 100 ")).isEmpty();
    assertThat(check("max_connections", "08")).get().asString().contains("must be an integer");
    assertThat(check("max_connections", "lots")).get().asString().contains("must be an integer");
  }

  @Test
  void convertsMemoryUnitsIntoTheSettingsOwnUnitBeforeTheRangeCheck() {
    assertThat(check("shared_buffers", "128MB")).isEmpty();
    assertThat(check("shared_buffers", "1.5MB")).isEmpty();
    assertThat(check("shared_buffers", "128 MB")).isEmpty();
    assertThat(check("shared_buffers", "128kB")).isEmpty();
    assertThat(check("shared_buffers", "64kB")).get().asString()
        .isEqualTo("must be between 128kB and 8589934584kB, got \"64kB\"");
    assertThat(check("work_mem", "64KB")).get().asString()
        .contains("B, kB, MB, GB, TB").contains("\"64KB\"");
    assertThat(check("max_connections", "10MB")).get().asString().contains("must be an integer");
  }

  @Test
  void convertsTimeUnitsAndRoundsToTheNextSmallerUnitAsPostgresDoes() {
    assertThat(check("statement_timeout", "1.5min")).isEmpty();
    assertThat(check("statement_timeout", "1d")).isEmpty();
    assertThat(check("authentication_timeout", "10min")).isEmpty();
    // 10.01 min is 600.6 s, rounded to 601 s: above the maximum of 600 s
    assertThat(check("authentication_timeout", "10.01min")).get().asString()
        .isEqualTo("must be between 1s and 10min, got \"10.01min\" (601s)");
    assertThat(check("authentication_timeout", "0")).get().asString()
        .isEqualTo("must be between 1s and 10min, got \"0\"");
    assertThat(check("statement_timeout", "5 sec")).get().asString().contains("us, ms, s, min, h, d");
  }

  @Test
  void checksIntegerRangesWithoutUnits() {
    assertThat(check("port", "65535")).isEmpty();
    assertThat(check("port", "70000")).get().asString()
        .isEqualTo("must be between 1 and 65535, got \"70000\"");
    assertThat(check("max_connections", "99999999999")).get().asString().contains("must be an integer");
  }

  @Test
  void readsRealsAsStrtodDoesAndChecksTheirRange() {
    assertThat(check("random_page_cost", "1.1")).isEmpty();
    assertThat(check("random_page_cost", "0x10")).isEmpty();
    assertThat(check("random_page_cost", "4e0")).isEmpty();
    assertThat(check("random_page_cost", "1e308")).isEmpty();
    assertThat(check("random_page_cost", "-1")).get().asString().startsWith("must be between 0 and");
    assertThat(check("checkpoint_completion_target", "1.5")).get().asString()
        .isEqualTo("must be between 0 and 1, got \"1.5\"");
    assertThat(check("vacuum_cost_delay", "2ms")).isEmpty();
    assertThat(check("vacuum_cost_delay", "0.5s")).get().asString().contains("got \"0.5s\"");
    assertThat(check("random_page_cost", "cheap")).get().asString().contains("must be a number");
  }

  @Test
  void acceptsEnumLabelsInAnyCaseAndTheAliasesTheServerKeeps() {
    assertThat(check("wal_level", "REPLICA")).isEmpty();
    assertThat(check("wal_level", "hot_standby")).isEmpty();
    assertThat(check("synchronous_commit", "true")).isEmpty();
    assertThat(check("ssl_max_protocol_version", "")).isEmpty();
    assertThat(check("wal_level", "replicaa")).get().asString()
        .isEqualTo("must be one of minimal, replica, logical, got \"replicaa\"; did you mean \"replica\"?");
    assertThat(check("wal_level", " replica")).isPresent();
    assertThat(check("password_encryption", "on")).as("an alias of 13 only").isPresent();
  }

  @Test
  void suggestsTheNearestNameForAMisspeltOne() {
    assertThat(check("wal_levl", "replica")).get().asString()
        .isEqualTo("PostgreSQL 15 has no parameter \"wal_levl\"; did you mean \"wal_level\"?");
    assertThat(check("shared_buffer", "1GB")).get().asString().endsWith("did you mean \"shared_buffers\"?");
    assertThat(check("colour_scheme", "dark")).get().asString()
        .startsWith("PostgreSQL 15 has no parameter \"colour_scheme\" (a setting of an extension");
  }

  @Test
  void leavesCustomSettingsWithADotToTheirExtension() {
    assertThat(check("myext.x", "anything at all")).isEmpty();
    assertThat(check("auto_explain.log_min_duration", "250ms")).isEmpty();
  }

  @Test
  void refusesParametersFixedAtBuildOrInitdb() {
    assertThat(check("block_size", "8192")).get().asString().contains("cannot be set");
    assertThat(check("data_checksums", "on")).get().asString().contains("cannot be set");
  }

  @Test
  void leavesStringsToTheServersOwnCheck() {
    assertThat(check("search_path", "\"$user\", public")).isEmpty();
    assertThat(check("timezone", "Mars/Olympus")).as("only the server knows its time zones").isEmpty();
    assertThat(check("TimeZone", "UTC")).as("names are case-insensitive").isEmpty();
  }

  @Test
  void knowsWhatEachMajorAddedAndRemoved() {
    assertThat(check(13, "operator_precedence_warning", "off")).isEmpty();
    assertThat(check(14, "operator_precedence_warning", "off")).get().asString()
        .startsWith("PostgreSQL 14 has no parameter");
    assertThat(check(13, "password_encryption", "on")).isEmpty();
    assertThat(check(15, "reserved_connections", "3")).get().asString()
        .startsWith("PostgreSQL 15 has no parameter");
    assertThat(check(16, "reserved_connections", "3")).isEmpty();
    assertThat(check(15, "force_parallel_mode", "on")).isEmpty();
    assertThat(check(16, "force_parallel_mode", "on")).isPresent();
    assertThat(check(16, "debug_parallel_query", "on")).isEmpty();
    assertThat(check(16, "summarize_wal", "on")).isPresent();
    assertThat(check(17, "summarize_wal", "on")).isEmpty();
    assertThat(check(17, "old_snapshot_threshold", "-1")).isPresent();
    assertThat(check(16, "old_snapshot_threshold", "-1")).isEmpty();
  }

  @Test
  void everyMajorHasACatalogueFromTheServer() {
    for (int major : SettingCatalogue.MAJORS) {
      SettingCatalogue c = SettingCatalogue.of(major);
      assertThat(c.parameters()).as("PostgreSQL " + major).hasSizeGreaterThan(300);
      assertThat(c.find("shared_buffers").orElseThrow().unit()).isEqualTo("8kB");
      assertThat(c.find("wal_level").orElseThrow().enumValues()).containsExactly("minimal", "replica", "logical");
    }
  }

  @Test
  void takesTheMajorFromTheBinaryDirectory() {
    assertThat(SettingCatalogue.majorFor(Optional.of(Path.of("/usr/lib/postgresql/14/bin")), Optional.of("16")))
        .isEqualTo(14);
    assertThat(SettingCatalogue.majorFor(Optional.of(Path.of("/usr/pgsql-16/bin")), Optional.empty())).isEqualTo(16);
    assertThat(SettingCatalogue.majorFor(Optional.of(Path.of("/opt/postgresql-13/bin")), Optional.empty()))
        .isEqualTo(13);
  }

  @Test
  void takesTheMajorFromPgVersionWhenTheBinaryDirectoryNamesNone() {
    assertThat(SettingCatalogue.majorFor(Optional.of(Path.of("/opt/pg/bin")), Optional.of("13\n"))).isEqualTo(13);
    assertThat(SettingCatalogue.majorFor(Optional.empty(), Optional.of("16"))).isEqualTo(16);
  }

  @Test
  void takesTheNewestMajorWhenNothingNamesOne() {
    assertThat(SettingCatalogue.majorFor(Optional.empty(), Optional.empty())).isEqualTo(17);
    assertThat(SettingCatalogue.majorFor(Optional.of(Path.of("/usr/lib/postgresql/12/bin")), Optional.of("12")))
        .isEqualTo(17);
    assertThat(SettingCatalogue.majorFor(Optional.empty(), Optional.of("garbage"))).isEqualTo(17);
  }

  @Test
  void measuresEditDistanceInSingleCharacterEdits() {
    assertThat(SettingCheck.editDistance("wal_levl", "wal_level")).isEqualTo(1);
    assertThat(SettingCheck.editDistance("kitten", "sitting")).isEqualTo(3);
    assertThat(SettingCheck.editDistance("", "abc")).isEqualTo(3);
  }
}
