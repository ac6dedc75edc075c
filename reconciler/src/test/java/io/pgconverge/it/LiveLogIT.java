package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The log of a real run as an operator reads it: each line written when its step ended (not all
 * at the end of the run), JSON lines with the step's fields, and journald's priority prefixes when
 * stderr is the journal.
 */
class LiveLogIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aBootstrapLogsEachStepWhenItEndsWithItsFieldsAsJson() throws Exception {
    try (TestHost host = TestHost.create()) {
      ProcessResult apply = new Cli(host).run("apply", "--config", host.desiredStateFile().toString(), "--log-format", "json")
          .assertExit(2);

      List<JsonNode> lines = new ArrayList<>();
      for (String l : apply.stderr().lines().toList()) {
        lines.add(JSON.readTree(l));
      }
      JsonNode drift = lines.stream().filter(j -> j.path("event").asText().equals("drift")).findFirst().orElseThrow();
      assertThat(drift.path("kind").asText()).isEqualTo("data-directory");
      assertThat(drift.path("host").asText()).isNotEmpty();
      assertThat(drift.path("cluster").asText()).isNotEmpty();
      assertThat(drift.path("run").asText()).isNotEmpty();
      List<JsonNode> applied = lines.stream().filter(j -> j.path("event").asText().equals("applied")).toList();
      assertThat(applied).as(apply.describe()).hasSizeGreaterThanOrEqualTo(3);
      assertThat(applied).allMatch(j -> j.has("action") && j.has("subject") && j.path("duration_ms").isNumber());
      JsonNode initdb = applied.stream().filter(j -> j.path("action").asText().equals("init-data-directory")).findFirst().orElseThrow();
      JsonNode summary = lines.get(lines.size() - 1);
      assertThat(summary.path("event").asText()).isEqualTo("summary");
      assertThat(summary.path("result").asText()).isEqualTo("changed");

      // written as it happened: the drift before initdb ran, initdb's line before the steps after it
      Instant driftAt = Instant.parse(drift.path("ts").asText());
      Instant initdbAt = Instant.parse(initdb.path("ts").asText());
      assertThat(Duration.between(driftAt, initdbAt).toMillis())
          .as("the drift line was written before initdb ran (%d ms)", initdb.path("duration_ms").asLong())
          .isGreaterThanOrEqualTo(initdb.path("duration_ms").asLong() - 20);
      long after = 0;
      for (JsonNode a : applied.subList(applied.indexOf(initdb) + 1, applied.size())) {
        after += a.path("duration_ms").asLong();
      }
      assertThat(Duration.between(initdbAt, Instant.parse(summary.path("ts").asText())).toMillis())
          .as("initdb's line came before the %d ms of steps after it", after)
          .isGreaterThanOrEqualTo(after - 20);
    }
  }

  @Test
  void onTheJournalEachLineCarriesItsPriorityAndElsewhereNone() throws Exception {
    try (TestHost host = TestHost.create()) {
      new Cli(host).apply().assertExit(2);
      Path journal = host.dir().resolve("journal.txt");
      Files.writeString(journal, "");
      Files.setPosixFilePermissions(journal, PosixFilePermissions.fromString("rw-rw-rw-"));
      Map<String, Object> a = Files.readAttributes(journal, "unix:dev,ino");

      List<String> onJournal = check(host, journal, a.get("dev") + ":" + a.get("ino"));
      assertThat(onJournal).isNotEmpty().allMatch(l -> l.matches("<[3-7]>.*"));
      assertThat(onJournal).anyMatch(l -> l.startsWith("<6>") && l.contains("result=in-sync"));

      List<String> elsewhere = check(host, journal, a.get("dev") + ":" + ((Long) a.get("ino") + 1));
      assertThat(elsewhere).isNotEmpty().noneMatch(l -> l.startsWith("<"));
    }
  }

  /** {@code check} with stderr on {@code stderr} and JOURNAL_STREAM set as systemd would set it; its stderr lines. */
  private static List<String> check(TestHost host, Path stderr, String journalStream) throws Exception {
    Files.writeString(stderr, "");
    ProcessBuilder pb = new ProcessBuilder(Cli.command(List.of("check", "--config", host.desiredStateFile().toString())))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    pb.environment().put("JOURNAL_STREAM", journalStream);
    Process p = pb.start();
    if (!p.waitFor(Cli.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("check did not finish within " + Cli.TIMEOUT);
    }
    assertThat(p.exitValue()).as(Files.readString(stderr)).isZero();
    return Files.readAllLines(stderr);
  }
}
