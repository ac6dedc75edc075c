package io.pgconverge.plan;

/** Why the plan refuses to touch something; the text is what the log says. */
public enum RefusalReason {
  FOREIGN_DATA("the data directory holds files that are not a PostgreSQL cluster; refusing to touch it"),
  DATA_DIRECTORY_UNREADABLE("the data directory cannot be read"),
  NO_BINARIES("the PostgreSQL server binaries were not found"),
  SERVER_UNREACHABLE("the server could not be queried"),
  FILE_UNREADABLE("a managed file could not be read"),
  SECRET_UNREADABLE("a password file could not be read"),
  CONFIG_UNPARSEABLE("a config file on disk does not parse"),
  PRIMARY_UNREACHABLE("the primary is unreachable; PGDATA is left as it is and the next run tries again"),
  FOREIGN_CLUSTER("the data directory belongs to another cluster; its data is never deleted or overwritten"),
  ROLE_CHANGE("the server's role differs from the desired one"),
  PROMOTION_BLOCKED("not promoted: the former primary is not known to be down or a replica"),
  WAITING_FOR_PRIMARY("waiting for the new primary before rejoining it"),
  PACKAGED_CLUSTER("a cluster of Debian's postgresql-common is in the way"),
  HOT_STANDBY_SETTING("a hot standby whose value is lower than its primary's stops at its next start"),
  WAITING_FOR_LEADER_KEY("failover.mode etcd: a writable server is made or started only while this host holds the leader key");

  private final String text;

  RefusalReason(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  /**
   * True when the refusal waits for another host to do its part (a primary to come up, a former
   * primary to step down or be promoted): such a run is retried within a fraction of a second,
   * not with the growing backoff of a real failure.
   */
  public boolean waitsForPeer() {
    return this == PRIMARY_UNREACHABLE || this == PROMOTION_BLOCKED || this == WAITING_FOR_PRIMARY || this == WAITING_FOR_LEADER_KEY;
  }
}
