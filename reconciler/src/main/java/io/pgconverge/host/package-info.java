/**
 * The host's low-level ports shared by observe and apply: running a command (argv, never a shell)
 * and opening a connection to the local server over its Unix socket.
 */
package io.pgconverge.host;
