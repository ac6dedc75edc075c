package io.pgconverge.it;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A poller that, every ~100 ms, asks every node {@code pg_is_in_recovery()} and {@code
 * synchronous_standby_names} over its Unix socket (the nodes at the same time, one thread each) and
 * records every moment when two or more answered {@code f}: two servers accepting writes; and every
 * moment a node accepted writes with no list (for tests of {@code replication.synchronous}, where
 * that means a commit acknowledged without a standby). {@link #close()} stops it.
 */
final class WritableWatch implements AutoCloseable {
  private final Cluster cluster;
  private final List<ClusterNode> nodes;
  private final ExecutorService pool;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger polls = new AtomicInteger();
  private final List<String> twoWritable = new CopyOnWriteArrayList<>();
  private final List<String> writableWithoutList = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> writableCount = new LinkedHashMap<>();
  private final Thread thread;
  /** Null: each poll starts psql per node; else one long-lived session per node ({@link #startOverSessions}). */
  private final Map<ClusterNode, PsqlSession> sessions;
  private final Map<ClusterNode, Long> lastOpen = new java.util.concurrent.ConcurrentHashMap<>();
  /** One line {@code f|ANY 1 ("node2")} (psql -A -t): in recovery, then the loaded list. */
  private static final String QUERY = "select pg_is_in_recovery(), current_setting('synchronous_standby_names')";

  private WritableWatch(Cluster cluster, boolean overSessions) {
    this.cluster = cluster;
    this.sessions = overSessions ? new java.util.concurrent.ConcurrentHashMap<>() : null;
    this.nodes = cluster.nodes();
    this.pool = Executors.newFixedThreadPool(nodes.size(), r -> {
      Thread t = new Thread(r, "writable-watch");
      t.setDaemon(true);
      return t;
    });
    this.thread = new Thread(this::loop, "writable-watch");
    thread.setDaemon(true);
  }

  static WritableWatch start(Cluster cluster) {
    WritableWatch w = new WritableWatch(cluster, false);
    w.thread.start();
    return w;
  }

  /**
   * Like {@link #start} but each node is asked over one long-lived psql session ({@link
   * PsqlSession}), so a poll costs round trips, not process starts, and really comes every ~100 ms
   * on a loaded machine. A lost session is opened again at most once a second (the node counts as
   * down in between).
   */
  static WritableWatch startOverSessions(Cluster cluster) {
    WritableWatch w = new WritableWatch(cluster, true);
    w.thread.start();
    return w;
  }

  private String probe(ClusterNode n) {
    if (sessions == null) {
      ProcessResult r = cluster.tryPsql(n, QUERY);
      return r.exitCode() == 0 ? r.stdout().trim() : "down";
    }
    PsqlSession s = sessions.get(n);
    if (s == null || s.dead()) {
      long now = System.nanoTime();
      if (now - lastOpen.getOrDefault(n, now - 2_000_000_000L) < 1_000_000_000L) {
        return "down";
      }
      lastOpen.put(n, now);
      s = PsqlSession.open(n);
      sessions.put(n, s);
    }
    return s.run(QUERY, java.time.Duration.ofSeconds(2))
        .filter(l -> l.size() == 1).map(l -> l.get(0).trim()).orElse("down");
  }

  private void loop() {
    while (running.get()) {
      Instant at = Instant.now();
      List<Future<String>> answers = new ArrayList<>();
      for (ClusterNode n : nodes) {
        answers.add(pool.submit(() -> probe(n)));
      }
      List<String> writable = new ArrayList<>();
      StringBuilder seen = new StringBuilder();
      for (int i = 0; i < nodes.size(); i++) {
        String a;
        try {
          a = answers.get(i).get();
        } catch (Exception e) {
          a = "?";
        }
        seen.append(nodes.get(i).name()).append('=').append(a).append(' ');
        if (a.startsWith("f|")) {
          writable.add(nodes.get(i).name());
          if (a.equals("f|")) {
            writableWithoutList.add(at + ": " + nodes.get(i).name());
          }
        }
      }
      polls.incrementAndGet();
      synchronized (writableCount) {
        writableCount.merge(String.join("+", writable), 1, Integer::sum);
      }
      if (writable.size() > 1) {
        twoWritable.add(at + ": " + seen.toString().trim());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Every poll that saw two or more nodes answer {@code pg_is_in_recovery() = f}. */
  List<String> twoWritable() {
    return List.copyOf(twoWritable);
  }

  /** Every poll at which a node accepted writes with an empty synchronous_standby_names ({@code at: node}). */
  List<String> writableWithoutList() {
    return List.copyOf(writableWithoutList);
  }

  int polls() {
    return polls.get();
  }

  /** How many polls saw which nodes writable ("" = none), for the log. */
  String histogram() {
    synchronized (writableCount) {
      return writableCount.toString();
    }
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
    pool.shutdownNow();
    if (sessions != null) {
      sessions.values().forEach(PsqlSession::close);
    }
  }
}
