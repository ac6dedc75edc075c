package io.pgconverge.failover.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgconverge.etcd.ClusterKeys;
import io.pgconverge.etcd.KeyValue;
import io.pgconverge.failover.ClusterRequests.ClusterState;
import io.pgconverge.failover.ClusterRequests.Pending;
import io.pgconverge.failover.ClusterRequests.Preferred;
import io.pgconverge.failover.FailoverFacts.Member;
import io.pgconverge.failover.FailoverFacts.Request;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON of the keys the control commands read and write, the way {@code
 * failover/runtime/FailoverAgent} reads them; no side effects.
 *
 * <ul>
 *   <li>{@code failover}: {@code {"kind": "switchover"|"failover", "from": "node1", "candidate":
 *       "node2", "generation": 3, "allow_data_loss": false}}; {@code from} left out when there is no
 *       leader to step down.
 *   <li>{@code config}: {@code {"preferred": "node1", "generation": 0}}.
 *   <li>{@code pause}: {@code {"by": "root@host", "at": "2026-12-02T03:00:00Z"}} (only its existence counts).
 *   <li>{@code sync}: {@code {"members": ["node2"]}}, the standbys that are synchronous now.
 *   <li>{@code members/<name>}: {@code {"role", "timeline", "lsn"}}, written by each member's agent.
 * </ul>
 */
public final class ControlJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private ControlJson() {}

  public static String request(Request r, boolean allowDataLoss) {
    ObjectNode n = MAPPER.createObjectNode().put("kind", r.kind().name().toLowerCase());
    r.from().ifPresent(f -> n.put("from", f));
    n.put("candidate", r.candidate()).put("generation", r.generation());
    if (allowDataLoss) {
      n.put("allow_data_loss", true);
    }
    return n.toString();
  }

  public static String config(Preferred p) {
    return MAPPER.createObjectNode().put("preferred", p.preferred()).put("generation", p.generation()).toString();
  }

  public static String pause(String by, String at) {
    return MAPPER.createObjectNode().put("by", by).put("at", at).toString();
  }

  static JsonNode tree(String text) {
    try {
      JsonNode n = MAPPER.readTree(text);
      return n == null ? MAPPER.nullNode() : n;
    } catch (IOException e) {
      return MAPPER.nullNode();
    }
  }

  /** The request in a failover key's value, when it names a candidate (as the agent reads it). */
  public static Optional<Pending> pending(String value) {
    JsonNode r = tree(value);
    if (!r.hasNonNull("candidate")) {
      return Optional.empty();
    }
    Request.Kind kind = r.path("kind").asText("switchover").equals("failover") ? Request.Kind.FAILOVER : Request.Kind.SWITCHOVER;
    return Optional.of(new Pending(new Request(kind, Optional.ofNullable(r.path("from").textValue()), r.path("candidate").asText(),
        r.path("generation").asLong(0)), r.path("allow_data_loss").asBoolean(false)));
  }

  static Optional<Preferred> preferred(String value) {
    JsonNode c = tree(value);
    return c.hasNonNull("preferred") ? Optional.of(new Preferred(c.path("preferred").asText(), c.path("generation").asLong(0)))
        : Optional.empty();
  }

  static Optional<List<String>> sync(String value) {
    JsonNode s = tree(value);
    if (!s.path("members").isArray()) {
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    s.path("members").forEach(m -> out.add(m.asText()));
    return Optional.of(out);
  }

  /** A pause key's value as the status shows it: "by X at T", or the raw value. */
  static String pauseText(String value) {
    JsonNode p = tree(value);
    return p.has("by") ? "by " + p.path("by").asText() + " at " + p.path("at").asText("?") : value;
  }

  /** The cluster's state from every key under its prefix. */
  public static ClusterState state(ClusterKeys keys, List<KeyValue> kvs) {
    Map<String, KeyValue> byKey = new HashMap<>();
    Map<String, Member> members = new HashMap<>();
    for (KeyValue kv : kvs) {
      byKey.put(kv.key(), kv);
      if (kv.key().startsWith(keys.members())) {
        JsonNode m = tree(kv.value());
        members.put(kv.key().substring(keys.members().length()),
            new Member(m.path("role").asText("unknown"), m.path("timeline").asLong(0), m.path("lsn").asLong(0)));
      }
    }
    return new ClusterState(
        Optional.ofNullable(byKey.get(keys.leader())).map(KeyValue::value),
        members,
        Optional.ofNullable(byKey.get(keys.pause())).map(kv -> pauseText(kv.value())),
        Optional.ofNullable(byKey.get(keys.failover())).flatMap(kv -> pending(kv.value())),
        Optional.ofNullable(byKey.get(keys.config())).flatMap(kv -> preferred(kv.value())),
        Optional.ofNullable(byKey.get(keys.sync())).flatMap(kv -> sync(kv.value())),
        byKey.containsKey(keys.initialize()));
  }
}
