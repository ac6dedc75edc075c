package io.pgconverge.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A poller that, every ~100 ms, asks every node at once (one thread each, over its Unix socket)
 * {@code pg_is_in_recovery()} and {@code synchronous_standby_names}, and keeps every answer: what
 * a DBA watching each node's list through a switchover would have seen. {@link #close()} stops it.
 */
final class SyncNamesWatch implements AutoCloseable {
  /** One node's answer: {@code writable} (in recovery = f) and its list, or {@code down}. */
  record Seen(boolean down, boolean writable, String names) {
    @Override
    public String toString() {
      return down ? "down" : (writable ? "writable" : "in recovery") + " '" + names + "'";
    }
  }

  private final Cluster cluster;
  private final List<ClusterNode> nodes;
  private final ExecutorService pool;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Map<String, Seen>> polls = new CopyOnWriteArrayList<>();
  private final Thread thread;

  private SyncNamesWatch(Cluster cluster) {
    this.cluster = cluster;
    this.nodes = cluster.nodes();
    this.pool = Executors.newFixedThreadPool(nodes.size(), r -> {
      Thread t = new Thread(r, "sync-names-watch");
      t.setDaemon(true);
      return t;
    });
    this.thread = new Thread(this::loop, "sync-names-watch");
    thread.setDaemon(true);
  }

  static SyncNamesWatch start(Cluster cluster) {
    SyncNamesWatch w = new SyncNamesWatch(cluster);
    w.thread.start();
    return w;
  }

  private void loop() {
    while (running.get()) {
      List<Future<Seen>> answers = new ArrayList<>();
      for (ClusterNode n : nodes) {
        answers.add(pool.submit(() -> {
          ProcessResult r = cluster.tryPsql(n, "select pg_is_in_recovery(), current_setting('synchronous_standby_names')");
          if (r.exitCode() != 0) {
            return new Seen(true, false, null);
          }
          String[] parts = r.stdout().trim().split("\\|", 2);
          return new Seen(false, parts[0].equals("f"), parts.length > 1 ? parts[1] : "");
        }));
      }
      Map<String, Seen> poll = new LinkedHashMap<>();
      for (int i = 0; i < nodes.size(); i++) {
        try {
          poll.put(nodes.get(i).name(), answers.get(i).get());
        } catch (InterruptedException e) {
          return; // closed in the middle of a poll: that poll is not an answer
        } catch (Exception e) {
          poll.put(nodes.get(i).name(), new Seen(true, false, null));
        }
      }
      polls.add(poll);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Every poll so far, in order: node name to what it answered. */
  List<Map<String, Seen>> polls() {
    return List.copyOf(polls);
  }

  /** What {@code node} answered, poll after poll, with repeats folded: its states in order. */
  List<Seen> transitions(String node) {
    List<Seen> out = new ArrayList<>();
    for (Map<String, Seen> p : polls) {
      Seen s = p.get(node);
      if (out.isEmpty() || !out.get(out.size() - 1).equals(s)) {
        out.add(s);
      }
    }
    return out;
  }

  @Override
  public void close() {
    running.set(false);
    thread.interrupt();
    try {
      thread.join(20_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pool.shutdownNow();
  }
}
