package io.pgconverge.observe;

/** What a host meant to be a replica learned from the peer the desired state names primary. */
public sealed interface PrimaryFact {
  /** This host is meant to be the primary: nothing to ask. */
  record NotApplicable() implements PrimaryFact {}

  /** The primary's server answered; {@code answer.inRecovery()} says whether it is a primary yet. */
  record Reachable(String host, int port, PeerAnswer.Answered answer) implements PrimaryFact {
    public String systemIdentifier() {
      return answer.systemIdentifier();
    }

    public java.util.Map<String, String> settings() {
      return answer.settings();
    }
  }

  record Unreachable(String host, int port, String reason) implements PrimaryFact {}
}
