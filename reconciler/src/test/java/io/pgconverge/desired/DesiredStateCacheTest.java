package io.pgconverge.desired;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache a runner owns: the same object while the text is unchanged, a new one when it changes. */
class DesiredStateCacheTest {
  @TempDir Path dir;

  private static final String MINIMAL = DesiredStateFixtures.text("minimal.yaml");

  private Path written(String text) throws Exception {
    Path file = dir.resolve("desired-state.yaml");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void anUnchangedFileGivesTheSameStateAndItsText() throws Exception {
    Path file = written(MINIMAL);
    DesiredStateCache cache = new DesiredStateCache();

    DesiredState first = DesiredStateFixtures.valid(cache.load(file, "node1"));
    DesiredState again = DesiredStateFixtures.valid(cache.load(file, "node1"));

    assertThat(again).isSameAs(first);
    assertThat(cache.textOf(first)).contains(MINIMAL);
  }

  @Test
  void aChangedFileIsParsedAgainAndTheOldStateHasNoTextAnyMore() throws Exception {
    Path file = written(MINIMAL);
    DesiredStateCache cache = new DesiredStateCache();
    DesiredState first = DesiredStateFixtures.valid(cache.load(file, "node1"));

    Files.writeString(file, MINIMAL + "# a comment\n");
    DesiredState second = DesiredStateFixtures.valid(cache.load(file, "node1"));

    assertThat(second).isNotSameAs(first);
    assertThat(cache.textOf(first)).isEmpty();
    assertThat(cache.textOf(second)).contains(MINIMAL + "# a comment\n");
  }

  @Test
  void twoCachesShareNothing() throws Exception {
    Path file = written(MINIMAL);
    DesiredState mine = DesiredStateFixtures.valid(new DesiredStateCache().load(file, "node1"));

    assertThat(new DesiredStateCache().textOf(mine)).as("another runner's cache never saw it").isEmpty();
    assertThat(DesiredStateLoader.load(file, "node1")).as("the loader itself keeps nothing")
        .isInstanceOf(LoadResult.Valid.class)
        .satisfies(r -> assertThat(((LoadResult.Valid) r).state()).isNotSameAs(mine));
  }
}
