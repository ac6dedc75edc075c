package io.pgconverge.desired;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How replicas connect to the primary: the replication user and its password file, and whether
 * commits wait for standbys ({@code replication.synchronous}; empty: asynchronous).
 */
public record ReplicationSpec(String user, Path passwordFile, boolean slots, Optional<SynchronousSpec> synchronous) {
  /** Asynchronous replication. */
  public ReplicationSpec(String user, Path passwordFile, boolean slots) {
    this(user, passwordFile, slots, Optional.empty());
  }
}
