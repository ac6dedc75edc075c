package io.pgconverge.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A tiny HTTP server on loopback that answers like etcd's gateway, for the client's rotation,
 * deadline and error tests (real etcd is in the ITs). It records each request; {@link #silent()}
 * makes it accept requests and never answer, as a SIGSTOPped member does.
 */
final class FakeEtcd implements AutoCloseable {
  record Request(String path, String protocol, String authorization, JsonNode body) {}

  /** What to answer to one request: an HTTP status and a JSON body. */
  record Reply(int status, String json) {}

  interface Handler {
    Reply answer(Request r);
  }

  private final HttpServer server;
  private final CountDownLatch released = new CountDownLatch(1);
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Handler handler;
  private volatile boolean silent;

  FakeEtcd(Handler handler) throws IOException {
    this.handler = handler;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", ex -> {
      JsonNode body = EtcdJson.MAPPER.readTree(ex.getRequestBody().readAllBytes());
      Request r = new Request(ex.getRequestURI().getPath(), ex.getProtocol(),
          ex.getRequestHeaders().getFirst("Authorization"), body);
      requests.add(r);
      if (silent) {
        try {
          released.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ex.close();
        return;
      }
      Reply reply = this.handler.answer(r);
      byte[] out = reply.json().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(reply.status(), out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    server.start();
  }

  static String header(long raftTerm) {
    return "\"header\":{\"cluster_id\":\"11\",\"member_id\":\"22\",\"revision\":\"5\",\"raft_term\":\"" + raftTerm + "\"}";
  }

  /** Answers every range with key {@code k} = {@code v} at this raft term. */
  static Handler keyAtTerm(String value, long raftTerm) {
    return r -> new Reply(200, "{" + header(raftTerm) + ",\"kvs\":[{\"key\":\"aw==\",\"create_revision\":\"2\","
        + "\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"" + EtcdJson.b64(value) + "\"}],\"count\":\"1\"}");
  }

  void answer(Handler h) {
    this.handler = h;
  }

  FakeEtcd silent() {
    silent = true;
    return this;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
  }
}
