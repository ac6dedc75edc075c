package io.pgconverge.report;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.apply.Outcome;
import io.pgconverge.cli.LogSetupAccess;
import io.pgconverge.observe.Secret;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.DriftKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A run's lines are logged as its steps happen, each with its facts as JSON fields and no secret. */
class RunLogTest {
  private static final String PASSWORD = "s3cret-Pa55word";
  private static final Drift WORK_MEM =
      new Drift(DriftKind.SETTING, "work_mem", "4MB", "16MB in the running server", "reload",
          "postgres.settings.work_mem (desired-state.yaml:12:5)");

  private Logger logger;
  private Captured events;

  /** Keeps each event and renders it at once, as the console appender does (the MDC is read then). */
  static final class Captured extends AppenderBase<ILoggingEvent> {
    final List<ILoggingEvent> list = new ArrayList<>();
    final List<String> json = new ArrayList<>();
    final List<String> text = new ArrayList<>();

    @Override
    protected void append(ILoggingEvent e) {
      list.add(e);
      json.add(LogSetupAccess.json(e));
      text.add(LogSetupAccess.text(e));
    }
  }

  @BeforeEach
  void captureEvents() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    logger = ctx.getLogger("test.runlog");
    logger.setAdditive(false);
    events = new Captured();
    events.setContext(ctx);
    events.start();
    logger.addAppender(events);
  }

  @AfterEach
  void stopCapturing() {
    logger.detachAppender(events);
  }

  private List<JsonNode> json() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : events.json) {
      out.add(new ObjectMapper().readTree(line));
    }
    return out;
  }

  @Test
  void eachDriftAndOutcomeIsLoggedWhenItHappensNotAtTheEnd() {
    RunLog log = new RunLog(logger, "node1", "main", false, null, Duration.ofSeconds(5));
    log.drift(WORK_MEM);
    assertThat(events.list).as("the drift is written before any action ran").hasSize(1);
    Action reload = new Action.ReloadServer(List.of("settings work_mem"), List.of());
    log.outcome(new Outcome.Applied(reload, "reloaded (12 ms)"), Duration.ofMillis(12));
    assertThat(events.list).hasSize(2);
    assertThat(events.list.get(1).getFormattedMessage()).isEqualTo("applied: reload the server (settings work_mem) -> reloaded (12 ms)");
    log.finish(report(List.of(new Outcome.Applied(reload, "reloaded (12 ms)"))));
    assertThat(events.list.get(events.list.size() - 1).getFormattedMessage()).startsWith("apply run=r1 result=changed drift=1");
  }

  @Test
  void jsonLinesCarryTheEventKindSubjectValuesFieldFileLineAndDuration() throws Exception {
    RunLog log = new RunLog(logger, "node1", "main", false, null, Duration.ofSeconds(5));
    log.drift(WORK_MEM);
    Action reload = new Action.ReloadServer(List.of("settings work_mem"), List.of());
    log.outcome(new Outcome.Failed(reload, "connection refused"), Duration.ofMillis(30));
    log.finish(report(List.of(new Outcome.Failed(reload, "connection refused"))));

    List<JsonNode> lines = json();
    JsonNode drift = lines.get(0);
    assertThat(drift.path("event").asText()).isEqualTo("drift");
    assertThat(drift.path("kind").asText()).isEqualTo("setting");
    assertThat(drift.path("subject").asText()).isEqualTo("work_mem");
    assertThat(drift.path("desired").asText()).isEqualTo("4MB");
    assertThat(drift.path("actual").asText()).isEqualTo("16MB in the running server");
    assertThat(drift.path("action").asText()).isEqualTo("reload");
    assertThat(drift.path("field").asText()).isEqualTo("postgres.settings.work_mem");
    assertThat(drift.path("file").asText()).isEqualTo("desired-state.yaml");
    assertThat(drift.path("line").asInt()).isEqualTo(12);
    assertThat(drift.path("host").asText()).isEqualTo("node1");
    assertThat(drift.path("cluster").asText()).isEqualTo("main");
    assertThat(drift.path("msg").asText()).startsWith("drift setting work_mem: desired 4MB");
    JsonNode failed = lines.get(1);
    assertThat(failed.path("event").asText()).isEqualTo("failed");
    assertThat(failed.path("level").asText()).isEqualTo("WARN");
    assertThat(failed.path("action").asText()).isEqualTo("reload-server");
    assertThat(failed.path("duration_ms").asLong()).isEqualTo(30);
    JsonNode summary = lines.get(lines.size() - 1);
    assertThat(summary.path("event").asText()).isEqualTo("summary");
    assertThat(summary.path("result").asText()).isEqualTo("failed");
    assertThat(summary.path("failed").asInt()).isEqualTo(1);
  }

  @Test
  void aPasswordIsInNoFieldOfAnyLine() throws Exception {
    RunLog log = new RunLog(logger, "node1", "main", false, null, Duration.ofSeconds(5));
    Action set = new Action.SetPassword("app", new Secret.Readable(Path.of("/etc/pgconverge/app.password"), PASSWORD));
    log.drift(new Drift(DriftKind.ROLE, "app", "password from /etc/pgconverge/app.password", "another password", "set password", ""));
    log.outcome(new Outcome.Applied(set, "password of app set (3 ms)"), Duration.ofMillis(3));
    log.finish(report(List.of(new Outcome.Applied(set, "password of app set (3 ms)"))));
    assertThat(events.list).hasSizeGreaterThanOrEqualTo(3);
    assertThat(events.json).noneMatch(l -> l.contains(PASSWORD));
    assertThat(events.text).noneMatch(l -> l.contains(PASSWORD));
  }

  @Test
  void progressIsLoggedEveryFewSecondsWithoutATerminalAndDrawnInPlaceOnOne() throws Exception {
    Action copy = new Action.BaseBackup(Path.of("/var/lib/postgresql/15/main"), Path.of("/usr/lib/postgresql/15/bin"),
        "host=node1 user=replicator", "node1", Path.of("/etc/postgresql/15/main"));
    RunLog log = new RunLog(logger, "node2", "main", false, null, Duration.ofSeconds(5));
    log.progress(copy, 100L << 20, 400L << 20);
    log.progress(copy, 101L << 20, 400L << 20);
    assertThat(events.list).as("a second report within 5 s is not logged").hasSize(1);
    assertThat(events.list.get(0).getFormattedMessage()).isEqualTo("progress: pg_basebackup from node1 into /var/lib/postgresql/15/main:"
        + " 100.0 MB of 400.0 MB (25%)");
    JsonNode j = json().get(0);
    assertThat(j.path("event").asText()).isEqualTo("progress");
    assertThat(j.path("bytes_done").asLong()).isEqualTo(100L << 20);
    assertThat(j.path("bytes_total").asLong()).isEqualTo(400L << 20);

    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    RunLog onTerminal = new RunLog(logger, "node2", "main", false, new PrintStream(screen, true, StandardCharsets.UTF_8),
        Duration.ofSeconds(5));
    onTerminal.progress(copy, 100L << 20, 400L << 20);
    onTerminal.progress(copy, 200L << 20, 400L << 20);
    onTerminal.outcome(new Outcome.Applied(copy, "copied (2 s)"), Duration.ofSeconds(2));
    String drawn = screen.toString(StandardCharsets.UTF_8);
    assertThat(drawn).startsWith("\r").contains("(25%)").contains("\r" + "progress: pg_basebackup from node1").contains("(50%)")
        .endsWith("\n");
    assertThat(events.list).as("on a terminal progress is drawn, not logged").hasSize(2);
  }

  private static RunReport report(List<Outcome> outcomes) {
    return new RunReport("r1", false, Path.of("/etc/pgconverge/desired-state.yaml"), Instant.EPOCH, Duration.ofMillis(40),
        List.of(WORK_MEM), outcomes, List.of(), List.of(), List.of(), List.of());
  }
}
