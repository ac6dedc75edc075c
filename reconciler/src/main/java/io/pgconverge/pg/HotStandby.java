package io.pgconverge.pg;

import java.util.List;

/** Settings whose value on a hot standby must be at least the primary's, or the standby stops. */
public final class HotStandby {
  public static final List<String> SENSITIVE_SETTINGS =
      List.of("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
          "max_locks_per_transaction");

  private HotStandby() {}
}
