package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClassifiersTest {

  @Test
  void treatsDotFilesAndLostFoundAsEmpty() {
    assertThat(DataDirectoryClassifier.classify(List.of(), false))
        .isEqualTo(DataDirectoryKind.EMPTY);
    assertThat(DataDirectoryClassifier.classify(List.of(".snapshot", "lost+found"), false))
        .isEqualTo(DataDirectoryKind.EMPTY);
  }

  @Test
  void recognisesAnInitializedClusterByPgVersionAndPgControl() {
    assertThat(DataDirectoryClassifier.classify(List.of("PG_VERSION", "base", "global"), true))
        .isEqualTo(DataDirectoryKind.INITIALIZED);
  }

  @Test
  void treatsAPartialCopyOrStrangeContentAsForeign() {
    assertThat(DataDirectoryClassifier.classify(List.of("PG_VERSION", "base"), false))
        .isEqualTo(DataDirectoryKind.FOREIGN);
    assertThat(DataDirectoryClassifier.classify(List.of("notes.txt"), true))
        .isEqualTo(DataDirectoryKind.FOREIGN);
  }

  @Test
  void prefersTheHighestVersionAcrossDebianAndRhelThenPath() {
    List<Path> candidates =
        BinaryLocator.candidates(
            List.of(Path.of("/usr/lib/postgresql/9.6"), Path.of("/usr/lib/postgresql/15")),
            List.of(Path.of("/usr/pgsql-16"), Path.of("/usr/pgsql-13/bin")),
            List.of(Path.of("/usr/local/bin"), Path.of("/usr/bin")));
    assertThat(candidates)
        .containsExactly(
            Path.of("/usr/pgsql-16/bin"),
            Path.of("/usr/lib/postgresql/15/bin"),
            Path.of("/usr/pgsql-13/bin"),
            Path.of("/usr/lib/postgresql/9.6/bin"),
            Path.of("/usr/local/bin"),
            Path.of("/usr/bin"));
  }

  @Test
  void putsDirectoriesWithoutAVersionAfterVersionedOnesAndDropsDuplicates() {
    List<Path> candidates =
        BinaryLocator.candidates(
            List.of(Path.of("/usr/lib/postgresql/custom"), Path.of("/usr/lib/postgresql/14")),
            List.of(),
            List.of(Path.of("/usr/lib/postgresql/14/bin"), Path.of("/usr/bin")));
    assertThat(candidates)
        .containsExactly(
            Path.of("/usr/lib/postgresql/14/bin"),
            Path.of("/usr/lib/postgresql/custom/bin"),
            Path.of("/usr/bin"));
  }

  @Test
  void choosesTheFirstCandidateTheCallerConfirms() {
    Set<Path> present = Set.of(Path.of("/usr/bin"), Path.of("/usr/lib/postgresql/15/bin"));
    List<Path> candidates =
        List.of(Path.of("/usr/lib/postgresql/16/bin"), Path.of("/usr/lib/postgresql/15/bin"),
            Path.of("/usr/bin"));
    assertThat(BinaryLocator.choose(candidates, present::contains))
        .contains(Path.of("/usr/lib/postgresql/15/bin"));
    assertThat(BinaryLocator.choose(candidates, p -> false)).isEmpty();
  }

  @Test
  void readsEveryPgSettingsContext() {
    assertThat(SettingContext.of("superuser-backend")).isEqualTo(SettingContext.SUPERUSER_BACKEND);
    for (SettingContext c : SettingContext.values()) {
      assertThat(SettingContext.of(c.pgName())).isEqualTo(c);
    }
    assertThatThrownBy(() -> SettingContext.of("reboot")).hasMessageContaining("\"reboot\"");
  }

  @Test
  void restartsOnlyForPostmasterSettings() {
    assertThat(SettingContext.POSTMASTER.needsRestart()).isTrue();
    assertThat(SettingContext.POSTMASTER.reloadable()).isFalse();
    assertThat(SettingContext.SIGHUP.needsRestart()).isFalse();
    assertThat(SettingContext.SIGHUP.reloadable()).isTrue();
    assertThat(SettingContext.USER.reloadable()).isTrue();
  }

  @Test
  void neverChangesInternalSettings() {
    assertThat(SettingContext.INTERNAL.needsRestart()).isFalse();
    assertThat(SettingContext.INTERNAL.reloadable()).isFalse();
  }
}
