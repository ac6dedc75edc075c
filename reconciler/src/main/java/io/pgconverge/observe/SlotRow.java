package io.pgconverge.observe;

/** One replication slot (pg_replication_slots). {@code walStatus} is reserved, extended, unreserved or lost. */
public record SlotRow(String name, String type, boolean active, String walStatus) {}
