package io.pgconverge.daemon;

import org.slf4j.LoggerFactory;

/** SIGHUP through {@code sun.misc.Signal} (jdk.unsupported): the one signal the JVM lets us take over. */
final class Signals {
  private Signals() {}

  @SuppressWarnings("restriction")
  static void onHangup(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
    } catch (IllegalArgumentException e) {
      LoggerFactory.getLogger("pgconverge").warn("SIGHUP cannot be handled here ({}); use the file watch", e.getMessage());
    }
  }
}
