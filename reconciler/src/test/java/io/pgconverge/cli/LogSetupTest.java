package io.pgconverge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/** The two log formats, journald's priority prefixes, and how the journal is recognised. */
class LogSetupTest {
  private static LoggingEvent event(Level level, String msg, Throwable t, KeyValuePair... kvs) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    LoggingEvent e = new LoggingEvent("x", ctx.getLogger("pgconverge"), level, msg, t, null);
    for (KeyValuePair kv : kvs) {
      e.addKeyValuePair(kv);
    }
    return e;
  }

  @Test
  void jsonLineHasTheEventsFieldsAndTheStackTraceOfAnError() throws Exception {
    IllegalStateException boom = new IllegalStateException("no \"quote\" left\nbehind");
    String line = new LogSetup.JsonLayout(false).doLayout(event(Level.ERROR, "run failed", boom,
        new KeyValuePair("event", "failed"), new KeyValuePair("duration_ms", 42L)));

    assertThat(line).endsWith("}\n").doesNotContain("\n{");
    JsonNode j = new ObjectMapper().readTree(line);
    assertThat(j.path("level").asText()).isEqualTo("ERROR");
    assertThat(j.path("event").asText()).isEqualTo("failed");
    assertThat(j.path("duration_ms").isNumber()).isTrue();
    assertThat(j.path("msg").asText()).isEqualTo("run failed");
    assertThat(j.path("error.type").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(j.path("error.message").asText()).isEqualTo("no \"quote\" left\nbehind");
    assertThat(j.path("error.stack_trace").asText()).contains("at io.pgconverge.cli.LogSetupTest.");
  }

  @Test
  void onTheJournalEachLineStartsWithItsSyslogPriority() {
    LogSetup.TextLayout journal = new LogSetup.TextLayout(true);
    assertThat(journal.doLayout(event(Level.ERROR, "e", null))).startsWith("<3>");
    assertThat(journal.doLayout(event(Level.WARN, "w", null))).startsWith("<4>");
    assertThat(journal.doLayout(event(Level.INFO, "applied: x", null, new KeyValuePair("event", "applied")))).startsWith("<5>");
    assertThat(journal.doLayout(event(Level.INFO, "i", null))).startsWith("<6>");
    assertThat(journal.doLayout(event(Level.DEBUG, "d", null))).startsWith("<7>");
    assertThat(new LogSetup.JsonLayout(true).doLayout(event(Level.WARN, "w", null))).startsWith("<4>{");
    String trace = journal.doLayout(event(Level.ERROR, "e", new RuntimeException("x")));
    assertThat(trace.lines()).as("every line of a stack trace keeps the priority").allMatch(l -> l.startsWith("<3>"));
    assertThat(new LogSetup.TextLayout(false).doLayout(event(Level.ERROR, "e", null))).doesNotStartWith("<");
  }

  @Test
  void stderrIsTheJournalOnlyWhenJournalStreamNamesItsDeviceAndInode() throws Exception {
    Map<String, Object> a = Files.readAttributes(Path.of("/proc/self/fd/2"), "unix:dev,ino");
    String mine = a.get("dev") + ":" + a.get("ino");
    assertThat(LogSetup.stderrIsJournal(mine)).isTrue();
    assertThat(LogSetup.stderrIsJournal(a.get("dev") + ":" + ((Long) a.get("ino") + 1))).isFalse();
    assertThat(LogSetup.stderrIsJournal(null)).isFalse();
    assertThat(LogSetup.stderrIsJournal("garbage")).isFalse();
  }

  @Test
  void textLineIsUnchangedForPeople() {
    String line = new LogSetup.TextLayout(false).doLayout(event(Level.INFO, "drift setting work_mem", null,
        new KeyValuePair("event", "drift")));
    assertThat(List.of(line.split(" ", 3))).last().isEqualTo("drift setting work_mem\n");
  }

  @Test
  void slf4jIsBoundToTheProviderWithoutAConfigurationSearchUnlessAFileOrAProviderIsNamed() {
    assertThat(LogSetup.providerProperties(name -> null))
        .containsExactly(Map.entry("slf4j.internal.verbosity", "WARN"), Map.entry("slf4j.provider", LogProvider.class.getName()));
    assertThat(LogSetup.providerProperties(name -> name.equals("slf4j.internal.verbosity") ? "DEBUG" : null))
        .as("a verbosity asked for is kept").containsOnlyKeys("slf4j.provider");
    assertThat(LogSetup.providerProperties(name -> name.equals("logback.configurationFile") ? "/etc/pgconverge/logback.xml" : null))
        .as("logback's own provider reads the file").isEmpty();
    assertThat(LogSetup.providerProperties(name -> name.equals("slf4j.provider") ? "org.example.Provider" : null)).isEmpty();
  }

  @Test
  void theProviderGivesAStartedLogbackContextWithItsMdcAndNoAppenderYet() {
    LogProvider provider = new LogProvider();
    provider.initialize();

    LoggerContext ctx = (LoggerContext) provider.getLoggerFactory();
    assertThat(ctx.isStarted()).isTrue();
    assertThat(ctx.getMDCAdapter()).isSameAs(provider.getMDCAdapter());
    assertThat(ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext())
        .as("LogSetup.configure adds the one appender").isFalse();
    assertThat(ctx.getStatusManager().getCopyOfStatusList()).as("no configuration was searched for").isEmpty();
    assertThat(provider.getRequestedApiVersion()).isEqualTo("2.0.99");
  }
}
