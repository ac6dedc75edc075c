package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import io.pgconverge.desired.YamlNode.Sequence;
import io.pgconverge.pg.ReplicationSlots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Binds {@code peers} and checks what the peers must be together: unique names, addresses and
 * replication slot names, exactly one primary, and {@code self} naming one of them.
 *
 * <p>The algorithm:
 *
 * <ol>
 *   <li>Bind each item on its own ({@link #peer}); a peer with a wrong field still yields what
 *       was learnt of it ({@link PeerFacts}), so the checks that follow can say as much as the
 *       file allows.
 *   <li>A name, an address (host and port) or a slot name an earlier peer already has is a
 *       problem at this peer.
 *   <li>{@link #checkSelf} and {@link #checkOnePrimary} run on the facts, and say nothing where
 *       a wrong name or role would make them guess.
 * </ol>
 */
final class PeersBinder {
  private static final Pattern PEER_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  /** What was learnt of one peer, even when some of its fields are wrong. */
  record PeerFacts(int index, String name, PeerRole role, boolean nosync) {}

  private final Binding b;
  private final Scalars v;
  private final List<PeerFacts> facts = new ArrayList<>();
  private final Map<String, Integer> indexByName = new HashMap<>();
  private final Map<String, Integer> addressSeen = new HashMap<>();
  private final Map<String, Integer> slotSeen = new HashMap<>();

  PeersBinder(Binding b, Scalars v) {
    this.b = b;
    this.v = v;
  }

  /** What was learnt of each peer, in list order; filled by {@link #peers}. */
  List<PeerFacts> facts() {
    return facts;
  }

  /** The peers, or null when the list or any peer in it is wrong (each reported). */
  List<Peer> peers(Section doc) {
    Optional<YamlNode> node = b.required(doc, "peers");
    if (node.isEmpty()) {
      return null;
    }
    Sequence list = b.sequence(node.get(), "peers", true);
    if (list == null) {
      return null;
    }
    return b.eachMapping(list, "peers", DesiredStateKeys.PEER, this::peer);
  }

  /**
   * One peer item, {@code peers[index]}; null when a field of it is wrong. Its facts are added
   * either way. A new per-peer key is bound here (and listed in {@link DesiredStateKeys#PEER}).
   */
  private Peer peer(Section s, int index) {
    String name = b.required(s, "name").map(n -> peerName(n, s.field("name"))).orElse(null);
    name = b.unique(name, index, indexByName, s,
        (dup, first) -> "\"" + dup + "\" is already the name of peers[" + first + "]; peer names must be unique");
    String host = b.required(s, "host").map(n -> v.string(n, s.field("host"), ValueGrammar::peerHost)).orElse(null);
    Optional<YamlNode> portNode = b.optional(s, "port");
    Integer port = portNode.isEmpty() ? Integer.valueOf(5432) : v.portNumber(portNode.get(), s.field("port"));
    PeerRole role = b.required(s, "role").map(n -> v.oneOf(n, s.field("role"), PeerRole.class, PeerRole::yamlName)).orElse(null);
    host = uniqueAddress(host, port, index, s);
    slotNameUnique(name, index, s);
    Optional<YamlNode> nosyncNode = b.optional(s, "nosync");
    Boolean nosync = nosyncNode.isEmpty() ? Boolean.FALSE : v.bool(nosyncNode.get(), s.field("nosync"));
    facts.add(new PeerFacts(index, name, role, Boolean.TRUE.equals(nosync)));
    if (name == null || host == null || port == null || role == null) {
      return null;
    }
    return new Peer(name, host, port, role);
  }

  /** A peer name ({@code peers[i].name} or {@code self}): letters, digits, '_', '.' and '-'. */
  String peerName(YamlNode node, String field) {
    String name = v.string(node, field);
    if (name != null && !PEER_NAME.matcher(name).matches()) {
      b.problem(
          node.location(),
          field,
          "must be letters, digits, '_', '.' and '-' only, got " + ValueGrammar.show(name));
      return null;
    }
    return v.checked(node, field, name, ValueGrammar::peerName);
  }

  /** {@code host} unless an earlier peer has the same host and port (reported at this host). */
  private String uniqueAddress(String host, Integer port, int index, Section s) {
    if (host == null || port == null) {
      return host;
    }
    Integer first = addressSeen.putIfAbsent(host.toLowerCase(Locale.ROOT) + " " + port, index);
    if (first == null) {
      return host;
    }
    b.problem(b.location(s.field("host")), s.field("host"),
        "peers[" + first + "] already has host " + ValueGrammar.show(host) + " and port " + port + "; each peer needs its own address");
    return null;
  }

  /** Two peers whose replication slots (pgc_ + the name, lower-cased, [a-z0-9_]) would be the same slot. */
  private void slotNameUnique(String name, int index, Section s) {
    if (name == null) {
      return;
    }
    String slot = ReplicationSlots.forPeer(name);
    Integer first = slotSeen.putIfAbsent(slot, index);
    if (first != null) {
      b.problem(b.location(s.field("name")), s.field("name"),
          "its replication slot " + slot + " would be the same as that of peers[" + first + "]; give peers names that differ in more than case and punctuation");
    }
  }

  /** The index of the peer {@code self} names, or null (a problem unless one is reported already). */
  Integer checkSelf(Section doc, boolean written, String self) {
    if (self == null && written) {
      return null; // self itself is wrong; already reported
    }
    for (PeerFacts p : facts) {
      if (p.name() != null && p.name().equals(self)) {
        return p.index();
      }
    }
    if (facts.isEmpty() || facts.stream().anyMatch(p -> p.name() == null)) {
      return null; // a peer name is wrong: self may be that peer, so say nothing more
    }
    String names = facts.stream().map(PeerFacts::name).collect(Collectors.joining(", "));
    if (written) {
      b.problem(b.location("self"), "self", "\"" + self + "\" is not one of the peers: " + names);
    } else {
      b.problem(
          doc.keyLocation("peers"),
          "self",
          "not given, and this host's name "
              + (self == null ? "is unknown" : "\"" + self + "\" is not one of the peers: " + names)
              + "; set self to the name of this host's peer entry");
    }
    return null;
  }

  void checkOnePrimary(Section doc) {
    PeerFacts primary = null;
    for (PeerFacts p : facts) {
      if (p.role() != PeerRole.PRIMARY) {
        continue;
      }
      if (primary == null) {
        primary = p;
        continue;
      }
      String field = "peers[" + p.index() + "].role";
      b.problem(
          b.location(field),
          field,
          "a second primary: peers["
              + primary.index()
              + "]"
              + (primary.name() == null ? "" : " (" + primary.name() + ")")
              + " is already the primary, and exactly one peer may be");
    }
    boolean everyRoleKnown = !facts.isEmpty() && facts.stream().allMatch(p -> p.role() != null);
    if (primary == null && everyRoleKnown) {
      b.problem(doc.keyLocation("peers"), "peers", "no peer has role primary; exactly one must");
    }
  }
}
