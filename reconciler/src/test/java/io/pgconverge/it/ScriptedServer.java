package io.pgconverge.it;

import io.pgconverge.failover.FailoverFacts.Local;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import io.pgconverge.failover.runtime.ServerPort;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A member's server as a test scripts it, for a {@code FailoverAgent} over a real etcd: what it
 * observes and what its peers answer are set by the test; a promotion makes it writable on
 * timeline 2, a demotion stops it, and {@link #done} records them and each list set before a promotion, in order.
 */
final class ScriptedServer implements ServerPort {
  volatile Local local;
  volatile Standbys standbys = new Standbys(List.of(), 0);
  final List<PeerPoll> peers;
  final List<String> done = new CopyOnWriteArrayList<>();

  ScriptedServer(boolean writable, List<PeerPoll> peers) {
    this.local = new Local(true, writable, 1, 5000);
    this.peers = new CopyOnWriteArrayList<>(peers);
  }

  @Override
  public Local observe() {
    return local;
  }

  /** Run at each poll of the peers: in a loop, between the read of etcd and the decision. */
  volatile Runnable onPollPeers = () -> {};

  @Override
  public List<PeerPoll> pollPeers() {
    onPollPeers.run();
    return peers;
  }

  @Override
  public Optional<Standbys> standbys() {
    return Optional.of(standbys);
  }

  @Override
  public void promote() {
    done.add("promote");
    local = new Local(true, true, 2, 5000);
  }

  /** When set, {@link #listSynchronousStandbys} fails as a server that cannot load the list would. */
  volatile boolean listFails;

  @Override
  public void listSynchronousStandbys(String value) {
    if (listFails) {
      throw new IllegalStateException("the server did not load it");
    }
    done.add("synchronous_standby_names = " + value);
  }

  @Override
  public void demote() {
    done.add("demote");
    local = Local.STOPPED;
  }
}
