package io.pgconverge.pg;

import java.util.Locale;

/**
 * The one naming rule for the physical slots pgconverge keeps on a primary: {@code pgc_} and the
 * replica peer's name, lower-cased, every character outside {@code [a-z0-9_]} made {@code _}.
 * Validation uses it to refuse two peers that would share a slot, rendering for a replica's
 * primary_slot_name, planning for which slots are its own to create and drop. Has no side effects.
 */
public final class ReplicationSlots {
  /** Slots with this prefix are pgconverge's; it never touches any other slot. */
  public static final String PREFIX = "pgc_";

  private ReplicationSlots() {}

  /** The slot the primary keeps for the replica peer {@code peerName}. */
  public static String forPeer(String peerName) {
    return PREFIX + peerName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** True for a slot pgconverge made (and so may drop). */
  public static boolean isManaged(String slotName) {
    return slotName.startsWith(PREFIX);
  }
}
