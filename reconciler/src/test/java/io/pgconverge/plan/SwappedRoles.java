package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.Policy;
import io.pgconverge.desired.ReclonePolicy;
import java.util.List;

/** The fixture's desired state after a switchover was pushed: node2 primary, node1 and node3 replicas. */
final class SwappedRoles {
  private final Fixtures f;
  ReclonePolicy reclone = ReclonePolicy.NEVER;

  SwappedRoles(Fixtures f) {
    this.f = f;
  }

  DesiredState desired() {
    DesiredState d = f.desired();
    List<Peer> peers = List.of(new Peer("node1", "10.0.0.11", 5432, PeerRole.REPLICA),
        new Peer("node2", "10.0.0.12", 5432, PeerRole.PRIMARY), new Peer("node3", "10.0.0.13", 5432, PeerRole.REPLICA));
    return new DesiredState(d.source(), d.version(), d.cluster(), d.self(), peers, d.postgres(), d.roles(), d.replication(),
        new Policy(d.policy().restart(), reclone), d.locations());
  }
}
