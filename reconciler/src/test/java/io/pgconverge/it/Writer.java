package io.pgconverge.it;

import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application writing the whole time: every ~20 ms it runs {@code insert into <table> values
 * (n)} with psql over the Unix socket of whichever node accepted the last insert (on a refusal
 * it tries the next node), and records every {@code n} whose insert was acknowledged (psql exit
 * 0: committed). {@link #close()} stops it.
 */
final class Writer implements AutoCloseable {
  private final Cluster cluster;
  private final String table;
  private final List<ClusterNode> nodes;
  private final ConcurrentSkipListSet<Long> acknowledged = new ConcurrentSkipListSet<>();
  private final AtomicLong next;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger refusals = new AtomicInteger();
  private final Thread thread;
  private volatile ClusterNode target;
  /** Null: each insert starts psql; else one long-lived session per node ({@link #startOverSessions}). */
  private final java.util.Map<ClusterNode, PsqlSession> sessions;

  private Writer(Cluster cluster, String table, long firstValue, boolean overSessions) {
    this.cluster = cluster;
    this.sessions = overSessions ? new java.util.HashMap<>() : null;
    this.table = table;
    this.nodes = cluster.nodes();
    this.next = new AtomicLong(firstValue);
    this.target = cluster.primary();
    this.thread = new Thread(this::loop, "writer-" + table);
    thread.setDaemon(true);
  }

  /** Starts writing {@code firstValue, firstValue + 1, ...} into {@code table} (which must exist). */
  static Writer start(Cluster cluster, String table, long firstValue) {
    Writer w = new Writer(cluster, table, firstValue, false);
    w.thread.start();
    return w;
  }

  /**
   * Like {@link #start} but over one long-lived psql session per node ({@link PsqlSession}): an
   * insert counts as acknowledged when psql printed its command tag {@code INSERT 0 1} (the commit
   * returned) with no error; a failed or timed-out insert moves to the next node.
   */
  static Writer startOverSessions(Cluster cluster, String table, long firstValue) {
    Writer w = new Writer(cluster, table, firstValue, true);
    w.thread.start();
    return w;
  }

  private boolean insert(ClusterNode node, long n) {
    String sql = "insert into " + table + " values (" + n + ")";
    if (sessions == null) {
      ProcessResult r = cluster.tryPsql(node, sql);
      return r.exitCode() == 0;
    }
    PsqlSession s = sessions.get(node);
    if (s == null || s.dead()) {
      s = PsqlSession.open(node);
      sessions.put(node, s);
    }
    return s.run(sql, java.time.Duration.ofSeconds(10)).map(l -> l.contains("INSERT 0 1")).orElse(false);
  }

  private void loop() {
    int at = nodes.indexOf(target);
    while (running.get()) {
      long n = next.getAndIncrement();
      ClusterNode node = nodes.get(at);
      boolean acked;
      try {
        acked = insert(node, n);
      } catch (RuntimeException | AssertionError e) {
        acked = false;
      }
      if (acked) {
        acknowledged.add(n);
        target = node;
      } else {
        refusals.incrementAndGet();
        at = (at + 1) % nodes.size();
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The values acknowledged so far (a copy). */
  NavigableSet<Long> acknowledged() {
    return new TreeSet<>(acknowledged);
  }

  /** The node that acknowledged the last insert. */
  ClusterNode lastTarget() {
    return target;
  }

  /** Inserts that failed (no node took them, or a replica refused), so far. */
  int refusals() {
    return refusals.get();
  }

  /** Waits until {@code count} more inserts were acknowledged (bounded); false on timeout. */
  boolean awaitMore(int count, long timeoutMillis) {
    int goal = acknowledged.size() + count;
    long end = System.currentTimeMillis() + timeoutMillis;
    while (acknowledged.size() < goal && System.currentTimeMillis() < end) {
      Psql.sleep(50);
    }
    return acknowledged.size() >= goal;
  }

  @Override
  public void close() {
    running.set(false);
    thread.interrupt();
    try {
      thread.join(40_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (sessions != null && !thread.isAlive()) {
      sessions.values().forEach(PsqlSession::close);
    }
  }
}
