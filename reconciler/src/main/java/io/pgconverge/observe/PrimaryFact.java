package io.pgconverge.observe;

import java.util.Map;

/** What a replica learns from its primary over a replication connection (IDENTIFY_SYSTEM, SHOW). */
public sealed interface PrimaryFact {
  /** This host is meant to be the primary: nothing to ask. */
  record NotApplicable() implements PrimaryFact {}

  record Reachable(String host, int port, String systemIdentifier, int timeline, Map<String, String> settings)
      implements PrimaryFact {}

  record Unreachable(String host, int port, String reason) implements PrimaryFact {}
}
