/**
 * A small client for etcd v3's JSON gateway and the leader-lease primitives built on it
 * (groundwork for {@code failover.mode: etcd}; nothing in the reconcile loop uses it yet).
 */
package io.pgconverge.etcd;
