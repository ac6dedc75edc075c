package io.pgconverge.observe;

/** A replica's WAL receiver (pg_stat_wal_receiver): its status and the host it streams from. */
public record WalReceiverRow(String status, String senderHost, int senderPort, String slotName, int receivedTimeline) {}
