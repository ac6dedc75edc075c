package io.pgconverge.desired;

import java.nio.file.Path;

/** {@code postgres.ssl}: the server certificate and key, and the CA that signed the peers' certificates. */
public record SslSpec(Path certFile, Path keyFile, Path caFile) {}
