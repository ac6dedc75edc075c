package io.pgconverge.etcd;

/**
 * The header etcd puts on every answer: which cluster and member answered, the store's revision
 * when it answered and the raft term that member was in. A raft term never goes backwards in a
 * healthy cluster, so an answer with a lower term than one already seen comes from a stale member.
 */
public record ResponseHeader(String clusterId, String memberId, long revision, long raftTerm) {}
