package io.pgconverge.etcd;

/**
 * One key as etcd stores it. {@code lease} is 0 when the key is attached to no lease;
 * {@code createRevision} is the revision that created the key (a compare on it equal to 0 means
 * "the key does not exist").
 */
public record KeyValue(String key, String value, long createRevision, long modRevision, long version, long lease) {}
