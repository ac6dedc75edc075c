package io.pgconverge.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Stands in for the pgconverge daemons of a test {@link Cluster}: runs {@code apply} on the
 * given nodes, in the given order, round after round, until every one of them exited 0 twice in
 * a row (converged and stable) or a deadline passes. Keeps every run's result, so a test can ask
 * what a host's reconciler said (stepped down, refused, rewound) and a failure shows it all.
 */
final class Daemons {
  /** The bound of one {@link #untilStable} by default: a switchover takes a few rounds. */
  static final Duration DEADLINE = Duration.ofSeconds(90);

  /** The exit codes a reconciler may give while it converges (1 or a crash is never fine). */
  private static final Set<Integer> NORMAL_EXITS = Set.of(0, 2, 4, 6);

  private final Cluster cluster;
  private final List<Run> runs = new ArrayList<>();
  private final java.util.concurrent.ExecutorService pool =
      java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "daemon-apply");
        t.setDaemon(true);
        return t;
      });

  /** One apply: which node, which round, its result. */
  record Run(ClusterNode node, int round, ProcessResult result) {
    String summary() {
      return "round " + round + " " + node.name() + ": exit " + result.exitCode() + " after "
          + result.duration().toMillis() + " ms";
    }
  }

  Daemons(Cluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Runs one apply on each of {@code order} at the same time (the daemons run side by side),
   * recorded in that order; fails on an abnormal exit.
   */
  List<Run> round(List<ClusterNode> order) {
    int round = runs.isEmpty() ? 1 : runs.get(runs.size() - 1).round() + 1;
    List<java.util.concurrent.CompletableFuture<ProcessResult>> started = new ArrayList<>();
    for (ClusterNode n : order) {
      started.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> cluster.apply(n), pool));
    }
    List<Run> done = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      done.add(record(order.get(i), round, started.get(i).join()));
    }
    return done;
  }

  /** One apply of {@code node}, recorded; fails on an abnormal exit code. */
  Run applyOnce(ClusterNode node) {
    int round = runs.isEmpty() ? 1 : runs.get(runs.size() - 1).round() + 1;
    return applyOnce(node, round);
  }

  private Run applyOnce(ClusterNode node, int round) {
    return record(node, round, cluster.apply(node));
  }

  private Run record(ClusterNode node, int round, ProcessResult r) {
    Run run = new Run(node, round, r);
    runs.add(run);
    System.out.println(run.summary());
    r.lines().stream().filter(l -> !l.isBlank()).forEach(l -> System.out.println("    " + l));
    if (!NORMAL_EXITS.contains(r.exitCode())) {
      throw new AssertionError("abnormal exit of " + node.name() + "'s apply\n" + r.describe()
          + "\nruns so far:\n" + transcript());
    }
    return run;
  }

  /**
   * Rounds of apply over {@code order} until each node's last two applies exited 0, bounded by
   * {@code deadline}; fails with the whole transcript when the deadline passes.
   */
  void untilStable(List<ClusterNode> order, Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    Map<ClusterNode, Integer> zeros = new HashMap<>();
    order.forEach(n -> zeros.put(n, 0));
    while (true) {
      for (Run run : round(order)) {
        zeros.merge(run.node(), 0, (old, ignored) -> run.result().exitCode() == 0 ? old + 1 : 0);
      }
      if (zeros.values().stream().allMatch(z -> z >= 2)) {
        return;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("not stable within " + deadline.toSeconds() + " s (every node's apply"
            + " exiting 0 twice in a row); consecutive zeros " + zeros.entrySet().stream()
                .map(e -> e.getKey().name() + "=" + e.getValue()).sorted().collect(Collectors.joining(", "))
            + "\n" + transcript());
      }
      Psql.sleep(300);
    }
  }

  void untilStable(List<ClusterNode> order) {
    untilStable(order, DEADLINE);
  }

  /** Every run so far. */
  List<Run> runs() {
    return List.copyOf(runs);
  }

  /** Forgets the runs so far (a new scenario starts). */
  void reset() {
    runs.clear();
  }

  /** Every output line of {@code node}'s runs so far. */
  List<String> linesOf(ClusterNode node) {
    return runs.stream().filter(r -> r.node() == node)
        .flatMap(r -> r.result().lines().stream()).collect(Collectors.toList());
  }

  /** True when some line of {@code node}'s runs matches {@code regex} (case-insensitive, anywhere). */
  boolean said(ClusterNode node, String regex) {
    Predicate<String> p = Pattern.compile(regex, Pattern.CASE_INSENSITIVE).asPredicate();
    return linesOf(node).stream().anyMatch(p);
  }

  /** Every run: its summary and output lines, for failure messages. */
  String transcript() {
    StringBuilder b = new StringBuilder();
    for (Run r : runs) {
      b.append(r.summary()).append('\n');
      r.result().lines().stream().filter(l -> !l.isBlank())
          .forEach(l -> b.append("    ").append(l).append('\n'));
    }
    return b.toString();
  }
}
