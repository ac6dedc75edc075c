/**
 * Automatic failover on etcd (issue 12): what a host should do about the leader key, decided by a
 * pure function ({@link io.pgconverge.failover.FailoverStep}) over what etcd, the local server and
 * the polled peers said ({@link io.pgconverge.failover.FailoverFacts}). No I/O, no clock, no
 * logger here: times come in as monotonic nanoseconds the caller read.
 */
package io.pgconverge.failover;
