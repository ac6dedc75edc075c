package io.pgconverge.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;

/** Lets tests of other packages render an event as the log would: JSON or text, no journal prefix. */
public final class LogSetupAccess {
  private LogSetupAccess() {}

  public static String json(ILoggingEvent e) {
    return new LogSetup.JsonLayout(false).doLayout(e);
  }

  public static String text(ILoggingEvent e) {
    return new LogSetup.TextLayout(false).doLayout(e);
  }
}
