package io.pgconverge.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Configures logging in code (no XML parsing at start-up): one console appender on stderr, text
 * for people and journald or one JSON object per line for log shippers, with the run id on every
 * line.
 *
 * <p>When stderr is the journal (systemd sets {@code JOURNAL_STREAM=<device>:<inode>} of the
 * stream it connected; it is the journal only when stderr's own device and inode match, so a
 * redirected stderr of a child started from a unit gets no prefixes), each line starts with the
 * sd-daemon priority prefix: {@code <3>} error, {@code <4>} warning, {@code <5>} notice (a change
 * applied to the host), {@code <6>} info, {@code <7>} debug; journald strips it and stores the
 * priority, so {@code journalctl -p warning} shows what failed or waits.
 */
public final class LogSetup {
  private LogSetup() {}

  /** Set while {@link #configure} is about to set logging up, so logback's own search is skipped. */
  private static volatile boolean configuring;

  public static void configure(String format) {
    Map<String, String> properties = providerProperties(System::getProperty);
    properties.forEach(System::setProperty);
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
    boolean journal = stderrIsJournal(System.getenv("JOURNAL_STREAM"));
    LayoutBase<ILoggingEvent> layout = "json".equals(format) ? new JsonLayout(journal) : new TextLayout(journal);
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
   * The system properties that make SLF4J bind to {@link LogProvider} (no configuration search)
   * before it starts: none when a {@code logback.configurationFile} is given (logback's provider
   * reads it) or a {@code slf4j.provider} is chosen already. SLF4J says at INFO which provider it
   * loads by name; {@code slf4j.internal.verbosity=WARN}, unless set, keeps that line off stderr.
   */
  static Map<String, String> providerProperties(java.util.function.UnaryOperator<String> property) {
    if (property.apply("logback.configurationFile") != null || property.apply("slf4j.provider") != null) {
      return Map.of();
    }
    Map<String, String> set = new TreeMap<>(Map.of("slf4j.provider", LogProvider.class.getName()));
    if (property.apply("slf4j.internal.verbosity") == null) {
      set.put("slf4j.internal.verbosity", "WARN");
    }
    return set;
  }

  /**
   * Logback's first configurator (found through {@code META-INF/services}): when logback starts
   * because {@link #configure} asked for it, which resets the context and sets it up in code right
   * after, logback's own search (serialized model, logback-test.xml, logback.xml, then its basic
   * console configuration, with the pattern parser and time-zone rules they load) is skipped; it
   * costs a one-shot run tens of milliseconds. Otherwise (a logback.configurationFile, logging
   * before {@link #configure}, tests) logback configures itself as before. With {@link
   * LogProvider} bound, no configurator runs at all; this one still counts when SLF4J binds
   * logback's own provider (an operator's {@code slf4j.provider}).
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

  /**
   * True when {@code journalStream} (the value of {@code JOURNAL_STREAM}) names the device and
   * inode of this process's stderr, as sd_journal_stream_fd's documentation asks a program to
   * check. Reads {@code /proc/self/fd/2}; false when it cannot.
   */
  static boolean stderrIsJournal(String journalStream) {
    if (journalStream == null || !journalStream.matches("\\d+:\\d+")) {
      return false;
    }
    try {
      Map<String, Object> a = Files.readAttributes(Path.of("/proc/self/fd/2"), "unix:dev,ino");
      return journalStream.equals(a.get("dev") + ":" + a.get("ino"));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** True when stderr is a terminal (a person watches: progress is drawn in place). */
  public static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The sd-daemon priority of an event: 3 error, 4 warning, 5 notice (a change applied), 6 info, 7 debug. */
  static int priority(ILoggingEvent e) {
    Level l = e.getLevel();
    if (l.isGreaterOrEqual(Level.ERROR)) {
      return 3;
    } else if (l.isGreaterOrEqual(Level.WARN)) {
      return 4;
    } else if (l.isGreaterOrEqual(Level.INFO)) {
      return "applied".equals(keyValue(e, "event")) ? 5 : 6;
    }
    return 7;
  }

  private static Object keyValue(ILoggingEvent e, String key) {
    List<KeyValuePair> kvs = e.getKeyValuePairs();
    if (kvs != null) {
      for (KeyValuePair kv : kvs) {
        if (key.equals(kv.key)) {
          return kv.value;
        }
      }
    }
    return null;
  }

  static final class TextLayout extends LayoutBase<ILoggingEvent> {
    private final boolean journal;

    TextLayout(boolean journal) {
      this.journal = journal;
    }

    @Override
    public String doLayout(ILoggingEvent e) {
      String run = e.getMDCPropertyMap().get("run");
      String text = Instant.ofEpochMilli(e.getTimeStamp()) + " " + e.getLevel() + (run == null ? "" : " [run " + run + "]")
          + " " + e.getFormattedMessage();
      IThrowableProxy t = e.getThrowableProxy();
      if (t != null) {
        text += "\n" + ThrowableProxyUtil.asString(t).stripTrailing();
      }
      if (!journal) {
        return text + "\n";
      }
      // the prefix applies to one line: give every line of a stack trace its own
      String prefix = "<" + priority(e) + ">";
      return prefix + text.replace("\n", "\n" + prefix) + "\n";
    }
  }

  /**
   * One JSON object per line, written by Jackson's generator: {@code ts}, {@code level}, the MDC
   * ({@code run}, {@code host}, {@code cluster}), the event's key-value pairs ({@code event},
   * {@code kind}, {@code subject}, {@code desired}, {@code actual}, {@code action}, {@code field},
   * {@code file}, {@code line}, {@code duration_ms}, …), {@code msg}, and for an exception {@code
   * error.type}, {@code error.message} and {@code error.stack_trace} (the Elastic Common Schema's
   * dotted names).
   */
  static final class JsonLayout extends LayoutBase<ILoggingEvent> {
    private static final JsonFactory FACTORY = new JsonFactory();
    private final boolean journal;

    JsonLayout(boolean journal) {
      this.journal = journal;
    }

    @Override
    public String doLayout(ILoggingEvent e) {
      StringWriter out = new StringWriter(256);
      if (journal) {
        out.append('<').append(Integer.toString(priority(e))).append('>');
      }
      try (JsonGenerator g = FACTORY.createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("ts", Instant.ofEpochMilli(e.getTimeStamp()).toString());
        g.writeStringField("level", e.getLevel().toString());
        Set<String> written = new HashSet<>(Set.of("ts", "level", "msg"));
        for (Map.Entry<String, String> m : new TreeMap<>(e.getMDCPropertyMap()).entrySet()) {
          if (written.add(m.getKey())) {
            g.writeStringField(m.getKey(), m.getValue());
          }
        }
        List<KeyValuePair> kvs = e.getKeyValuePairs();
        if (kvs != null) {
          for (KeyValuePair kv : kvs) {
            if (written.add(kv.key)) {
              g.writeFieldName(kv.key);
              writeValue(g, kv.value);
            }
          }
        }
        g.writeStringField("msg", e.getFormattedMessage());
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
          g.writeStringField("error.type", t.getClassName());
          g.writeStringField("error.message", t.getMessage());
          g.writeStringField("error.stack_trace", ThrowableProxyUtil.asString(t));
        }
        g.writeEndObject();
      } catch (IOException ex) {
        throw new UncheckedIOException(ex); // a StringWriter does not fail
      }
      return out.append('\n').toString();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
      if (v == null) {
        g.writeNull();
      } else if (v instanceof Integer || v instanceof Long) {
        g.writeNumber(((Number) v).longValue());
      } else if (v instanceof Number n) {
        g.writeNumber(n.doubleValue());
      } else if (v instanceof Boolean b) {
        g.writeBoolean(b);
      } else {
        g.writeString(v.toString());
      }
    }
  }
}
