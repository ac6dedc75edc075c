package io.pgconverge.pg;

import java.util.Map;

/**
 * A standby just repointed (its primary_conninfo or primary_slot_name reloaded): is its WAL
 * receiver streaming from the new upstream, or is its startup process sitting out PostgreSQL's
 * {@code wal_retrieve_retry_interval} (5 s by default) after a failed attempt, such as a slot the
 * new primary had not made yet? A SIGHUP sets the startup process's latch and ends that wait at
 * once, so a reload is the remedy; while an attempt is under way there is nothing to do. Has no
 * side effects.
 */
public final class RecoveryRetryWait {
  /** The wait event of a startup process in that retry wait (pg_stat_activity, PostgreSQL 13+). */
  public static final String WAIT_EVENT = "RecoveryRetrieveRetryInterval";

  /** What the apply does next. */
  public enum Next {
    /** The receiver streams from the upstream that was loaded, and did at the look before. */
    STREAMING,
    /**
     * The receiver streams from the upstream that was loaded, first seen so at this look: the same
     * receiver must still stream at the next one. One whose START_REPLICATION the new upstream
     * refuses (a slot it has not made yet) shows as streaming for the few milliseconds it lives,
     * and then the startup process waits out the retry interval.
     */
    CONFIRM,
    /** The startup process waits out the retry interval: a reload wakes it. */
    WAKE,
    /** An attempt is under way, or the old receiver has not stopped yet: look again shortly. */
    LOOK_AGAIN
  }

  /** Where the reloaded settings point: the host and port of primary_conninfo, the slot (empty: none). */
  public record Upstream(String host, int port, String slot) {
    /** From the values loaded: primary_conninfo's host (or hostaddr) and port, primary_slot_name. */
    public static Upstream of(String primaryConninfo, String primarySlotName) {
      Map<String, String> c = Conninfo.parse(primaryConninfo);
      int port;
      try {
        port = Integer.parseInt(c.getOrDefault("port", "5432"));
      } catch (NumberFormatException e) {
        port = 5432;
      }
      return new Upstream(c.getOrDefault("host", c.getOrDefault("hostaddr", "")), port,
          primarySlotName == null ? "" : primarySlotName);
    }

    public String describe() {
      return host + ":" + port + (slot.isEmpty() ? "" : " through slot " + slot);
    }
  }

  private RecoveryRetryWait() {}

  /**
   * @param status pg_stat_wal_receiver.status; null when no receiver runs
   * @param pid the receiver's pid (0: none)
   * @param senderHost its sender_host, senderPort its sender_port, slot its slot_name (null: none)
   * @param startupWaitEvent the startup process's wait_event in pg_stat_activity (null: none)
   * @param streamingBefore the pid of the receiver seen streaming from {@code want} at the look
   *     before (0: none was)
   */
  public static Next next(String status, long pid, String senderHost, int senderPort, String slot, String startupWaitEvent,
      Upstream want, long streamingBefore) {
    boolean fromWanted = want.host().equals(senderHost) && want.port() == senderPort
        && want.slot().equals(slot == null ? "" : slot);
    if ("streaming".equals(status) && fromWanted && pid != 0) {
      return pid == streamingBefore ? Next.STREAMING : Next.CONFIRM;
    }
    return WAIT_EVENT.equals(startupWaitEvent) ? Next.WAKE : Next.LOOK_AGAIN;
  }
}
