package io.pgconverge.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * SLF4J's binding to logback as logback's own {@code LogbackServiceProvider} makes it, less the
 * search for a configuration: a started {@link LoggerContext} with logback's MDC adapter and no
 * appender, which {@link LogSetup#configure} then sets up in code. Logback's provider runs its
 * {@code ContextInitializer} first (configurators found through the service loader, a status
 * message for each step, each built by string concatenation that a fresh JVM links at run time)
 * and prints its statuses (whose date formatter reads the time-zone rules): about 15 ms of a
 * one-shot run's start, measured, for a configuration that is thrown away right after.
 * {@link LogSetup#configure} names this class in {@code slf4j.provider} unless a {@code
 * logback.configurationFile} is given, which logback's own provider then reads as before.
 */
public final class LogProvider implements SLF4JServiceProvider {
  /** The API version logback 1.5's provider asks for. */
  static final String REQUESTED_API_VERSION = "2.0.99";

  private final LoggerContext context = new LoggerContext();
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final LogbackMDCAdapter mdc = new LogbackMDCAdapter();

  @Override
  public void initialize() {
    context.setName("default");
    context.setMDCAdapter(mdc);
    context.start();
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return context;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return REQUESTED_API_VERSION;
  }
}
