package io.pgconverge.etcd;

import java.util.List;

/**
 * An etcd transaction: if every compare holds, the success operations run, otherwise the failure
 * operations, all at one revision.
 */
public record Txn(List<Compare> compare, List<Op> success, List<Op> failure) {
  public Txn {
    compare = List.copyOf(compare);
    success = List.copyOf(success);
    failure = List.copyOf(failure);
  }

  /** A condition on one key. */
  public sealed interface Compare {
    String key();

    /** The key was created at this revision; 0 means the key does not exist. */
    record CreateRevision(String key, long revision) implements Compare {}

    /** The key was last modified at this revision (a compare-and-swap on what was read). */
    record ModRevision(String key, long revision) implements Compare {}

    /** The key holds exactly this value. */
    record Value(String key, String value) implements Compare {}

    /** The key is attached to this lease. */
    record Lease(String key, long lease) implements Compare {}
  }

  /** An operation run by the transaction. */
  public sealed interface Op {
    String key();

    /** Writes the key; {@code lease} 0 attaches it to no lease. */
    record Put(String key, String value, long lease) implements Op {}

    /** Reads the key. */
    record Range(String key) implements Op {}

    /** Deletes the key. */
    record Delete(String key) implements Op {}
  }

  /**
   * What a transaction did: whether the compares held, and for each operation that ran, the keys a
   * {@link Op.Range} read (an empty list for other operations).
   */
  public record Result(ResponseHeader header, boolean succeeded, List<List<KeyValue>> ranges) {}
}
