package io.pgconverge.failover.runtime;

import io.pgconverge.failover.FailoverFacts.Local;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import java.util.List;

/** What the failover runtime needs of this host's server and of the peers. Every method is bounded in time. */
public interface ServerPort {
  /** This host's server now: running, writable, timeline, WAL position ({@link Local#STOPPED} when it does not answer). */
  Local observe();

  /** Every other peer, polled directly (a peer that does not answer in time is {@link PeerPoll#silent}). */
  List<PeerPoll> pollPeers();

  /** Promotes the local server ({@code pg_promote}); it returns once the server is writable or the wait timed out. */
  void promote() throws Exception;

  /** Stops the local server now: a fast shutdown, and an immediate one if the fast one did not end in time. */
  void demote();
}
