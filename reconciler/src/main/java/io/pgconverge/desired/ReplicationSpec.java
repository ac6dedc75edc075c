package io.pgconverge.desired;

import java.nio.file.Path;

/** How replicas connect to the primary: the replication user and its password file. */
public record ReplicationSpec(String user, Path passwordFile, boolean slots) {}
