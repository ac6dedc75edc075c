package io.pgconverge.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The JSON of etcd's gRPC gateway, both ways; has no side effects. Keys and values are bytes and
 * travel as base64; 64-bit integers travel as strings; fields at their default value (false, 0, an
 * empty list) are left out of answers, so a missing {@code succeeded} means false and a missing
 * {@code TTL} means 0.
 */
public final class EtcdJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private EtcdJson() {}

  static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static String unb64(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  /** The end of the range holding every key that starts with {@code prefix} (the prefix with its last byte plus one). */
  static String prefixEnd(String prefix) {
    byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] != (byte) 0xff) {
        byte[] end = java.util.Arrays.copyOf(b, i + 1);
        end[i]++;
        return Base64.getEncoder().encodeToString(end);
      }
    }
    return Base64.getEncoder().encodeToString(new byte[] {0}); // every key
  }

  public static ObjectNode range(String key, boolean prefix) {
    ObjectNode n = MAPPER.createObjectNode().put("key", b64(key));
    if (prefix) {
      n.put("range_end", prefixEnd(key));
    }
    return n;
  }

  public static ObjectNode put(String key, String value, long lease) {
    ObjectNode n = MAPPER.createObjectNode().put("key", b64(key)).put("value", b64(value));
    if (lease != 0) {
      n.put("lease", Long.toString(lease));
    }
    return n;
  }

  public static ObjectNode delete(String key) {
    return MAPPER.createObjectNode().put("key", b64(key));
  }

  public static ObjectNode txn(Txn txn) {
    ObjectNode n = MAPPER.createObjectNode();
    ArrayNode compare = n.putArray("compare");
    for (Txn.Compare c : txn.compare()) {
      ObjectNode o = compare.addObject().put("key", b64(c.key())).put("result", "EQUAL");
      if (c instanceof Txn.Compare.CreateRevision r) {
        o.put("target", "CREATE").put("create_revision", Long.toString(r.revision()));
      } else if (c instanceof Txn.Compare.ModRevision m) {
        o.put("target", "MOD").put("mod_revision", Long.toString(m.revision()));
      } else if (c instanceof Txn.Compare.Value v) {
        o.put("target", "VALUE").put("value", b64(v.value()));
      } else if (c instanceof Txn.Compare.Lease l) {
        o.put("target", "LEASE").put("lease", Long.toString(l.lease()));
      }
    }
    ops(n.putArray("success"), txn.success());
    ops(n.putArray("failure"), txn.failure());
    return n;
  }

  private static void ops(ArrayNode into, List<Txn.Op> ops) {
    for (Txn.Op op : ops) {
      if (op instanceof Txn.Op.Put p) {
        into.addObject().set("request_put", put(p.key(), p.value(), p.lease()));
      } else if (op instanceof Txn.Op.Range r) {
        into.addObject().set("request_range", range(r.key(), false));
      } else if (op instanceof Txn.Op.Delete d) {
        into.addObject().set("request_delete_range", delete(d.key()));
      }
    }
  }

  public static ObjectNode leaseGrant(long ttlSeconds) {
    return MAPPER.createObjectNode().put("TTL", Long.toString(ttlSeconds));
  }

  public static ObjectNode leaseId(long lease) {
    return MAPPER.createObjectNode().put("ID", Long.toString(lease));
  }

  public static ObjectNode watch(String key, boolean prefix, long startRevision) {
    ObjectNode create = range(key, prefix);
    if (startRevision > 0) {
      create.put("start_revision", Long.toString(startRevision));
    }
    ObjectNode n = MAPPER.createObjectNode();
    n.set("create_request", create);
    return n;
  }

  /** The header of an answer; streamed answers (keepalive, watch) carry it under {@code result}. */
  public static Optional<ResponseHeader> header(JsonNode answer) {
    JsonNode h = answer.has("result") ? answer.path("result").path("header") : answer.path("header");
    if (!h.isObject()) {
      return Optional.empty();
    }
    return Optional.of(new ResponseHeader(h.path("cluster_id").asText(""), h.path("member_id").asText(""),
        h.path("revision").asLong(0), h.path("raft_term").asLong(0)));
  }

  public static List<KeyValue> kvs(JsonNode answer) {
    List<KeyValue> out = new ArrayList<>();
    for (JsonNode kv : answer.path("kvs")) {
      out.add(keyValue(kv));
    }
    return out;
  }

  static KeyValue keyValue(JsonNode kv) {
    return new KeyValue(unb64(kv.path("key").asText("")), unb64(kv.path("value").asText("")),
        kv.path("create_revision").asLong(0), kv.path("mod_revision").asLong(0), kv.path("version").asLong(0),
        kv.path("lease").asLong(0));
  }

  public static Txn.Result txnResult(JsonNode answer, ResponseHeader header) {
    List<List<KeyValue>> ranges = new ArrayList<>();
    for (JsonNode r : answer.path("responses")) {
      ranges.add(kvs(r.path("response_range")));
    }
    return new Txn.Result(header, answer.path("succeeded").asBoolean(false), ranges);
  }

  /** A gRPC error the gateway reports as {@code {"error": ..., "code": N}}. */
  public record GatewayError(int code, String message) {}

  public static Optional<GatewayError> error(JsonNode answer) {
    JsonNode body = answer.has("error") && answer.path("error").isObject() ? answer.path("error") : answer;
    int code = body.has("code") ? body.path("code").asInt(0) : body.path("grpc_code").asInt(0);
    if (code == 0) {
      return Optional.empty();
    }
    String message = body.path("message").asText(body.path("error").asText(""));
    return Optional.of(new GatewayError(code, message));
  }
}
