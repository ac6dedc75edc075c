package io.pgconverge.failover.runtime;

import io.pgconverge.failover.FailoverFacts.Local;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import java.util.List;
import java.util.Optional;

/** What the failover runtime needs of this host's server and of the peers. Every method is bounded in time. */
public interface ServerPort {
  /** This host's server now: running, writable, timeline, WAL position ({@link Local#STOPPED} when it does not answer). */
  Local observe();

  /** Every other peer, polled directly (a peer that does not answer in time is {@link PeerPoll#silent}). */
  List<PeerPoll> pollPeers();

  /** Promotes the local server ({@code pg_promote}); it returns once the server is writable or the wait timed out. */
  void promote() throws Exception;

  /**
   * Gives our server (still in recovery, about to be promoted) {@code synchronous_standby_names =
   * value} with {@code ALTER SYSTEM} and a reload, and returns once a new session sees it loaded;
   * throws when it cannot or the load is not seen in time. The first run as primary writes the same
   * value to postgresql.conf and resets the override.
   */
  void listSynchronousStandbys(String value) throws Exception;

  /**
   * The standbys that stream from our (writable) server, each with its {@code
   * pg_stat_replication.sync_state} and flush position, our WAL position read <em>after</em>
   * them, and the server's loaded {@code synchronous_standby_names}; empty when the server did not
   * answer (then nothing may be concluded from it).
   */
  default Optional<Standbys> standbys() {
    return Optional.empty();
  }

  /** One walsender that streams: {@code syncState} is {@code sync}, {@code quorum}, {@code potential} or {@code async}. */
  record Standby(String name, String syncState, long flushLsn) {}

  /**
   * {@link #standbys}: {@code walAfter} is {@code pg_current_wal_lsn()} read after the walsenders
   * were; {@code synchronousStandbyNames} the value the server has loaded (empty: not read).
   */
  record Standbys(List<Standby> streaming, long walAfter, Optional<String> synchronousStandbyNames) {
    public Standbys {
      streaming = List.copyOf(streaming);
    }

    /** Without the loaded synchronous_standby_names. */
    public Standbys(List<Standby> streaming, long walAfter) {
      this(streaming, walAfter, Optional.empty());
    }
  }

  /** Stops the local server now: a fast shutdown, and an immediate one if the fast one did not end in time. */
  void demote();
}
