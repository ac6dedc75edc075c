package io.pgconverge.apply;

/** How a rewind ended: what to log, and whether PGDATA was moved aside for a fresh copy. */
record RewindResult(String detail, boolean movedAside) {}
