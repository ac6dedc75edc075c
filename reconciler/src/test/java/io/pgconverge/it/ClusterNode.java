package io.pgconverge.it;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * One node of a test {@link Cluster}: a peer of the desired state, living on lab host {@link
 * #index()} with its own directory (its Unix socket directory, holding {@code data/} and, while
 * a base backup runs, the staging directory {@code .data.pgconverge-new}).
 *
 * <p>Only {@link #pgBin(Path)} and the TLS files change what is written for this node; every
 * node's desired-state file is otherwise the cluster's one file with this node as {@code self}.
 */
public final class ClusterNode {
  private final int index;
  private final String name;
  private boolean primary;
  private boolean listed = true;
  private final Path dir;
  private final int port;
  private final String address;
  private Path pgBin = TestHost.PG_BIN;
  private TestCertificates.Pair tls;

  ClusterNode(int index, boolean primary, Path dir, int port, String address) {
    this.index = index;
    this.name = "node" + index;
    this.primary = primary;
    this.dir = dir;
    this.port = port;
    this.address = address;
  }

  /** The lab host this node runs on (1-based). */
  public int index() {
    return index;
  }

  /** {@code node<i>}: its peer name, and the replica's application_name. */
  public String name() {
    return name;
  }

  /** The physical slot the primary keeps for this node: {@code pgc_<name>}. */
  public String slotName() {
    return "pgc_" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  public boolean isPrimary() {
    return primary;
  }

  public String role() {
    return primary ? "primary" : "replica";
  }

  /**
   * Sets this node's role in the desired state (a switchover swaps two of them); call {@link
   * Cluster#writeDesired()} (or {@link Cluster#writeDesired(ClusterNode...)} to push to some hosts
   * only) afterwards.
   */
  public ClusterNode role(boolean primary) {
    this.primary = primary;
    return this;
  }

  /** False when the desired state leaves this node out of {@code peers} (a failed-over host). */
  public boolean isListed() {
    return listed;
  }

  /**
   * Lists this node in {@code peers} or leaves it out (the operator's word that it is gone); call
   * {@link Cluster#writeDesired(ClusterNode...)} afterwards for the hosts that get the file.
   */
  public ClusterNode listed(boolean listed) {
    this.listed = listed;
    return this;
  }

  public Path dir() {
    return dir;
  }

  public int port() {
    return port;
  }

  /** How the other nodes reach it (10.231.k.i, or 127.0.0.1 in loopback mode). */
  public String address() {
    return address;
  }

  public Path data() {
    return dir.resolve("data");
  }

  /** Where pg_basebackup builds the copy before it is moved to {@link #data()}. */
  public Path stagingDir() {
    return dir.resolve(".data.pgconverge-new");
  }

  public Path socketDir() {
    return dir;
  }

  public Path desiredStateFile() {
    return dir.resolve("desired-state.yaml");
  }

  public Path postgresqlConf() {
    return data().resolve("postgresql.conf");
  }

  public Path hbaConf() {
    return data().resolve("pg_hba.conf");
  }

  public Path autoConf() {
    return data().resolve("postgresql.auto.conf");
  }

  public Path standbySignal() {
    return data().resolve("standby.signal");
  }

  public Path pgBin() {
    return pgBin;
  }

  /** Sets this node's {@code postgres.bin}; call {@link Cluster#writeDesired()} afterwards. */
  public ClusterNode pgBin(Path bin) {
    this.pgBin = bin;
    return this;
  }

  /** This node's server certificate and key, when the cluster runs with TLS. */
  public Optional<TestCertificates.Pair> tls() {
    return Optional.ofNullable(tls);
  }

  void tls(TestCertificates.Pair pair) {
    this.tls = pair;
  }

  @Override
  public String toString() {
    return name + "(" + role() + ", " + address + ":" + port + ", " + dir + ")";
  }
}
