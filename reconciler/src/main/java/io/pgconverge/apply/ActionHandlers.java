package io.pgconverge.apply;

import io.pgconverge.plan.Action;
import java.io.IOException;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Which executor carries out which kind of action. Java 17 has no pattern switch over the sealed
 * {@link Action}, so the executors register one handler per record type and {@link #complete()}
 * checks the table against {@link Class#getPermittedSubclasses()}: a new action without an
 * executor fails the first applier made (every applier test), not a run in production.
 */
final class ActionHandlers {
  /** Carries out one action; returns the detail for the log (never a secret). */
  @FunctionalInterface
  interface Handler<A extends Action> {
    String run(A action) throws IOException, SQLException;
  }

  private final Map<Class<?>, Handler<Action>> byType = new HashMap<>();

  <A extends Action> ActionHandlers on(Class<A> type, Handler<A> handler) {
    if (byType.put(type, a -> handler.run(type.cast(a))) != null) {
      throw new IllegalStateException(type.getSimpleName() + " has two executors");
    }
    return this;
  }

  /** Throws unless every permitted subtype of {@link Action} has its handler. */
  ActionHandlers complete() {
    for (Class<?> type : Action.class.getPermittedSubclasses()) {
      if (!byType.containsKey(type)) {
        throw new IllegalStateException("no executor carries out " + type.getSimpleName());
      }
    }
    return this;
  }

  String run(Action action) throws IOException, SQLException {
    return byType.get(action.getClass()).run(action);
  }
}
