package io.pgconverge.desired;

/** The role a peer is meant to have in the replication cluster. */
public enum PeerRole {
  PRIMARY,
  REPLICA;

  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
