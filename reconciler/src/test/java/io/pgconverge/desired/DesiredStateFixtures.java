package io.pgconverge.desired;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Reads the fixtures under src/test/resources/desired/ and loads them as if from /etc. */
final class DesiredStateFixtures {
  static final String DIR = "/etc/pgconverge/";

  private DesiredStateFixtures() {}

  static String text(String fixture) {
    try (InputStream in = DesiredStateFixtures.class.getResourceAsStream("/desired/" + fixture)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + fixture);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads {@code yaml} as if read from /etc/pgconverge/{@code name}, on host "node1". */
  static LoadResult parse(String yaml, String name, HbaParser hba) {
    return DesiredStateLoader.parse(yaml, Path.of(DIR + name), "node1", hba);
  }

  static DesiredState valid(LoadResult result) {
    if (result instanceof LoadResult.Invalid invalid) {
      throw new AssertionError("expected valid, got:\n" + String.join("\n", lines(invalid)));
    }
    return ((LoadResult.Valid) result).state();
  }

  static List<String> problems(LoadResult result) {
    assertThat(result).isInstanceOf(LoadResult.Invalid.class);
    return lines((LoadResult.Invalid) result);
  }

  private static List<String> lines(LoadResult.Invalid invalid) {
    return invalid.problems().stream().map(Problem::toString).toList();
  }
}
