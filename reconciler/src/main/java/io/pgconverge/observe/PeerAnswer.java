package io.pgconverge.observe;

import java.util.Map;

/**
 * What a peer's server said when asked over a replication connection. Only a refused connection
 * (the host answered, no server listens) or an answer is proof of anything; silence is not.
 */
public sealed interface PeerAnswer {
  /** The server answered: who it is, and whether it is in recovery (a replica) or a primary. */
  record Answered(String systemIdentifier, int timeline, boolean inRecovery, Map<String, String> settings)
      implements PeerAnswer {}

  /** The host answered but refused the connection: no server listens there. */
  record Refused(String reason) implements PeerAnswer {}

  /** No answer (timeout, no route), or an answer that says nothing about its role (authentication). */
  record Silent(String reason) implements PeerAnswer {}
}
