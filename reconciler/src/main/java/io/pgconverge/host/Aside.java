package io.pgconverge.host;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * A bounded piece of a run done on a daemon thread of its own while the run's thread goes on, its
 * log lines under the same run id (the MDC is carried over). For work that is bounded by its own
 * timeouts (a probe's connect and socket timeouts, a command's): {@link #join} waits for it.
 */
public final class Aside<T> {
  private final CompletableFuture<T> result;

  private Aside(CompletableFuture<T> result) {
    this.result = result;
  }

  /** Starts {@code task} on a new daemon thread called {@code name}. */
  public static <T> Aside<T> start(String name, Supplier<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    Thread thread = new Thread(() -> {
      if (mdc != null) {
        MDC.setContextMap(mdc);
      }
      try {
        result.complete(task.get());
      } catch (RuntimeException | Error e) {
        result.completeExceptionally(e);
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
    return new Aside<>(result);
  }

  /** One that is done already, with {@code value}. */
  public static <T> Aside<T> done(T value) {
    return new Aside<>(CompletableFuture.completedFuture(value));
  }

  /**
   * The task's result once it is there; what it threw is thrown here, as if it had run on this
   * thread. An interrupt is waited out (the task is bounded) and passed on afterwards.
   */
  public T join() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return result.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException re) {
            throw re;
          }
          if (e.getCause() instanceof Error err) {
            throw err;
          }
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
