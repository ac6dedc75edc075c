/**
 * The host's low-level ports shared by observe and apply: running a command (argv, never a shell),
 * opening a connection to the local server over its Unix socket, writing a file atomically; each
 * an interface with its one real implementation, so that the applier and the loop are tested
 * with in-memory ones.
 */
package io.pgconverge.host;
