package io.pgconverge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Keeps the planner pure: it may know desired, pg and the observed records, nothing that does I/O. */
class DependencyRuleTest {
  private static final Path MAIN = Path.of("src/main/java/io/pgconverge");

  private static List<String> importsOf(String pkg) throws IOException {
    try (Stream<Path> files = Files.walk(MAIN.resolve(pkg))) {
      return files.filter(p -> p.toString().endsWith(".java"))
          .flatMap(p -> {
            try {
              return Files.readAllLines(p).stream().filter(l -> l.startsWith("import ")).map(l -> p.getFileName() + ": " + l);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          })
          .toList();
    }
  }

  @Test
  void plannerImportsNothingThatTouchesTheWorld() throws IOException {
    assertThat(importsOf("plan"))
        .noneMatch(l -> l.matches(".*io\\.pgconverge\\.(apply|host|cli|daemon|loop|report|etcd)\\..*"))
        .noneMatch(l -> l.contains("java.io.File") || l.contains("java.sql") || l.contains("org.slf4j")
            || l.contains("java.nio.file.Files") || l.contains("java.time.Clock") || l.contains("ProcessBuilder"))
        .noneMatch(l -> l.contains("io.pgconverge.observe.") && (l.contains("Probe") || l.contains("LocalServer")))
        .noneMatch(l -> l.contains("java.net.http"));
  }

  @Test
  void pgPackageIsPureKnowledge() throws IOException {
    assertThat(importsOf("pg"))
        .noneMatch(l -> l.matches(".*io\\.pgconverge\\.(apply|host|cli|daemon|loop|report|observe|plan|etcd)\\..*"))
        .noneMatch(l -> l.contains("java.nio.file.Files") || l.contains("java.sql") || l.contains("org.slf4j"));
  }

  @Test
  void observeNeverImportsTheWritingSide() throws IOException {
    assertThat(importsOf("observe")).noneMatch(l -> l.matches(".*io\\.pgconverge\\.(apply|plan|cli|daemon|loop)\\..*"));
  }
}
