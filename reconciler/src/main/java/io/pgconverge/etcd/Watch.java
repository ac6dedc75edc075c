package io.pgconverge.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.pgconverge.etcd.EtcdException.Attempt;
import io.pgconverge.etcd.EtcdException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running etcd watch: one streamed {@code /v3/watch} answer read by a daemon thread into a queue.
 * {@link #poll} hands out the changes in revision order; once the stream breaks (member gone,
 * watch cancelled, compacted revision) {@code poll} throws {@link EtcdException.Unavailable} and
 * the caller starts a new watch from the last revision it saw.
 */
public final class Watch implements AutoCloseable {
  /** One change of a key; a DELETE carries the key and the revision of the deletion only. */
  public record Event(Type type, KeyValue kv) {
    public enum Type { PUT, DELETE }
  }

  private record Broken(String why, Throwable cause) {}

  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final String endpoint;
  private final InputStream stream;
  private final Thread reader;
  private volatile boolean closed;

  private Watch(String endpoint, InputStream stream) {
    this.endpoint = endpoint;
    this.stream = stream;
    this.reader = new Thread(this::read, "etcd-watch");
    this.reader.setDaemon(true);
  }

  /**
   * Opens the watch on the first endpoint (in rotation order) that confirms it; each endpoint gets
   * the time left divided by the endpoints not yet tried, all within the request deadline.
   */
  static Watch start(EtcdClient client, String key, boolean prefix, long startRevision) throws EtcdException {
    long end = System.nanoTime() + client.settings().requestDeadline().toNanos();
    String body = EtcdJson.watch(key, prefix, startRevision).toString();
    List<URI> order = client.rotation();
    List<Attempt> attempts = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      long slot = (end - System.nanoTime()) / (order.size() - i);
      if (slot <= 0) {
        break;
      }
      URI endpoint = order.get(i);
      try {
        Watch w = open(client, endpoint, body, System.nanoTime() + slot);
        client.answered(endpoint);
        return w;
      } catch (AttemptFailed f) {
        attempts.add(f.attempt);
      }
    }
    throw new EtcdException.Unavailable("watch " + key, attempts, null);
  }

  private static final class AttemptFailed extends Exception {
    final Attempt attempt;

    AttemptFailed(URI endpoint, Reason reason, String detail) {
      super(detail, null, false, false);
      this.attempt = new Attempt(endpoint.toString(), reason, detail);
    }
  }

  private static Watch open(EtcdClient client, URI endpoint, String body, long end) throws AttemptFailed {
    HttpRequest.Builder rb = HttpRequest.newBuilder(EtcdClient.watchUri(endpoint))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    String token = client.tokenForStream();
    if (token != null) {
      rb.header("Authorization", token);
    }
    CompletableFuture<HttpResponse<InputStream>> pending =
        client.http().sendAsync(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<InputStream> response;
    try {
      response = pending.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pending.cancel(true);
      throw new AttemptFailed(endpoint, Reason.TIMEOUT, "interrupted");
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new AttemptFailed(endpoint, Reason.TIMEOUT, "no answer to the watch request");
    } catch (ExecutionException e) {
      throw new AttemptFailed(endpoint, Reason.CONNECT, e.getCause() == null ? "" : e.getCause().getClass().getSimpleName());
    }
    Watch w = new Watch(endpoint.toString(), response.body());
    w.reader.start();
    // The first message confirms the watch.
    Object first;
    try {
      first = w.queue.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      first = null;
    }
    if (!(first instanceof Boolean)) {
      w.close();
      if (first instanceof Broken b) {
        throw new AttemptFailed(endpoint, Reason.SERVER_ERROR, b.why());
      }
      throw new AttemptFailed(endpoint, Reason.TIMEOUT, "watch not confirmed in time");
    }
    return w;
  }

  private static EtcdException.Unavailable unavailable(String endpoint, Reason r, String detail, Throwable cause) {
    return new EtcdException.Unavailable("watch", List.of(new Attempt(endpoint, r, detail)), cause);
  }

  private void read() {
    try (MappingIterator<JsonNode> it = EtcdJson.MAPPER.readerFor(JsonNode.class).readValues(stream)) {
      while (it.hasNextValue()) {
        JsonNode message = it.nextValue();
        Optional<EtcdJson.GatewayError> error = EtcdJson.error(message);
        if (error.isPresent()) {
          queue.add(new Broken(error.get().message(), null));
          return;
        }
        JsonNode result = message.path("result");
        if (result.path("created").asBoolean(false)) {
          queue.add(Boolean.TRUE);
        }
        if (result.path("canceled").asBoolean(false)) {
          queue.add(new Broken("watch cancelled by etcd: " + result.path("cancel_reason").asText(""), null));
          return;
        }
        for (JsonNode ev : result.path("events")) {
          Event.Type type = "DELETE".equals(ev.path("type").asText("PUT")) ? Event.Type.DELETE : Event.Type.PUT;
          queue.add(new Event(type, EtcdJson.keyValue(ev.path("kv"))));
        }
      }
      queue.add(new Broken("stream ended", null));
    } catch (IOException | RuntimeException e) {
      queue.add(new Broken(closed ? "closed" : "stream broke: " + e.getClass().getSimpleName(), e));
    }
  }

  /** The next change, or empty when none came within {@code timeout}; throws once the stream is broken. */
  public Optional<Event> poll(Duration timeout) throws EtcdException {
    Object o;
    try {
      o = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    if (o instanceof Broken b) {
      queue.add(b); // stays broken
      throw unavailable(endpoint, Reason.SERVER_ERROR, b.why(), b.cause());
    }
    return o instanceof Event e ? Optional.of(e) : Optional.empty();
  }

  @Override
  public void close() {
    closed = true;
    try {
      stream.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    reader.interrupt();
  }
}
