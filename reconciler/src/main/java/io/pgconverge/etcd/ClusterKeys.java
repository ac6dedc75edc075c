package io.pgconverge.etcd;

/**
 * Where a cluster's state lives in etcd: every key under {@code <namespace>/<cluster>/}, named as
 * Patroni names them so an operator who knows one knows the other. Has no side effects.
 */
public record ClusterKeys(String namespace, String cluster) {
  public ClusterKeys {
    if (!namespace.startsWith("/")) {
      throw new IllegalArgumentException("etcd namespace must start with '/', got '" + namespace + "'");
    }
    if (cluster.isEmpty() || cluster.contains("/")) {
      throw new IllegalArgumentException("cluster name must be non-empty and without '/', got '" + cluster + "'");
    }
    namespace = namespace.endsWith("/") ? namespace.substring(0, namespace.length() - 1) : namespace;
  }

  /** Every key of this cluster starts with this. */
  public String prefix() {
    return namespace + "/" + cluster + "/";
  }

  /** The member name of the primary, attached to its lease. */
  public String leader() {
    return prefix() + "leader";
  }

  /** Prefix of the member keys, one per member, each attached to its member's lease. */
  public String members() {
    return prefix() + "members/";
  }

  public String member(String name) {
    return members() + name;
  }

  /** Who bootstrapped the cluster (created once, by create_revision == 0). */
  public String initialize() {
    return prefix() + "initialize";
  }

  public String config() {
    return prefix() + "config";
  }

  /** A pending switchover or failover request. */
  public String failover() {
    return prefix() + "failover";
  }

  /** The timeline history: which member was primary from which LSN. */
  public String history() {
    return prefix() + "history";
  }

  /** Present while the cluster is in maintenance (nothing promoted or demoted). */
  public String pause() {
    return prefix() + "pause";
  }

  public String sync() {
    return prefix() + "sync";
  }
}
