package io.pgconverge.observe;

/**
 * For a host meant to be the primary whose server is still a replica: the server it streams from
 * now (the former primary), and what that server says. Promotion waits for proof that it is not a
 * primary any more.
 */
public sealed interface UpstreamFact {
  record NotApplicable() implements UpstreamFact {}

  /** The former primary's host:port is not a peer in the desired state: the operator's word that it is gone. */
  record Unlisted(String host, int port) implements UpstreamFact {}

  /** The former primary is a listed peer; this is its answer. */
  record Asked(String peer, String host, int port, PeerAnswer answer) implements UpstreamFact {}
}
