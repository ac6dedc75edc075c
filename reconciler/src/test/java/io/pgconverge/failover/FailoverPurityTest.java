package io.pgconverge.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The failover decision is pure, so the planner pipeline may run it: no I/O, no etcd client, no clock, no logger. */
class FailoverPurityTest {
  @Test
  void theDecisionClassesImportNothingThatTouchesTheWorld() throws IOException {
    List<String> imports = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("src/main/java/io/pgconverge/failover"))) {
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Files.readAllLines(p).stream().filter(l -> l.startsWith("import ")).forEach(l -> imports.add(p.getFileName() + ": " + l));
      }
    }
    assertThat(imports).isNotEmpty()
        .noneMatch(l -> l.matches(".*io\\.pgconverge\\.(apply|host|cli|daemon|loop|report|etcd|observe)\\..*"))
        .noneMatch(l -> l.contains("java.io") || l.contains("java.net") || l.contains("java.sql") || l.contains("org.slf4j")
            || l.contains("java.nio.file.Files") || l.contains("java.time.Clock") || l.contains("java.time.Instant"));
  }
}
