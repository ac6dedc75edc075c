package io.pgconverge.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.Instant;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Configures logging in code (no XML parsing at start-up): one console appender on stderr, text
 * for journald or one JSON object per line for log shippers, with the run id on every line.
 */
public final class LogSetup {
  private LogSetup() {}

  /** Set while {@link #configure} is about to set logging up, so logback's own search is skipped. */
  private static volatile boolean configuring;

  public static void configure(String format) {
    configuring = true;
    LoggerContext ctx;
    try {
      ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    } finally {
      configuring = false;
    }
    if (System.getProperty("logback.configurationFile") != null) {
      return;
    }
    ctx.reset();
    LayoutBase<ILoggingEvent> layout = "json".equals(format) ? new JsonLayout() : new TextLayout();
    layout.setContext(ctx);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
    enc.setContext(ctx);
    enc.setLayout(layout);
    enc.start();
    ConsoleAppender<ILoggingEvent> app = new ConsoleAppender<>();
    app.setContext(ctx);
    app.setTarget("System.err");
    app.setEncoder(enc);
    app.start();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(app);
    ctx.getLogger("org.quartz").setLevel(Level.WARN);
  }

  /**
   * Logback's first configurator (found through {@code META-INF/services}): when logback starts
   * because {@link #configure} asked for it, which resets the context and sets it up in code right
   * after, logback's own search (serialized model, logback-test.xml, logback.xml, then its basic
   * console configuration, with the pattern parser and time-zone rules they load) is skipped; it
   * costs a one-shot run tens of milliseconds. Otherwise (a logback.configurationFile, logging
   * before {@link #configure}, tests) logback configures itself as before.
   */
  @ConfiguratorRank(ConfiguratorRank.CUSTOM_TOP_PRIORITY)
  public static final class SkipDefaults extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
      return configuring && System.getProperty("logback.configurationFile") == null
          ? ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY
          : ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
  }

  static final class TextLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
      String run = e.getMDCPropertyMap().get("run");
      return Instant.ofEpochMilli(e.getTimeStamp()) + " " + e.getLevel() + (run == null ? "" : " [run " + run + "]")
          + " " + e.getFormattedMessage() + "\n";
    }
  }

  static final class JsonLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
      StringBuilder sb = new StringBuilder("{\"ts\":\"").append(Instant.ofEpochMilli(e.getTimeStamp()))
          .append("\",\"level\":\"").append(e.getLevel()).append('"');
      for (Map.Entry<String, String> m : e.getMDCPropertyMap().entrySet()) {
        sb.append(",\"").append(esc(m.getKey())).append("\":\"").append(esc(m.getValue())).append('"');
      }
      sb.append(",\"msg\":\"").append(esc(e.getFormattedMessage())).append("\"}\n");
      return sb.toString();
    }

    static String esc(String s) {
      StringBuilder b = new StringBuilder();
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> {
            if (c < 0x20) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      return b.toString();
    }
  }
}
