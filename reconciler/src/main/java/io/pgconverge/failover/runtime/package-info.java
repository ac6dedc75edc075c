/**
 * The failover runtime under {@code failover.mode: etcd}: one member's loop of read etcd, observe,
 * decide ({@link io.pgconverge.failover.FailoverStep}), act, and the deadline watch that demotes a
 * primary whose lease may have ended. The server and the peers are ports, so the daemon hands in
 * its own probes and server control.
 */
package io.pgconverge.failover.runtime;
