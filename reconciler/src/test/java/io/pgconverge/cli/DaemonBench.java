package io.pgconverge.cli;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateCache;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.loop.Reconciler;
import io.pgconverge.loop.RunLock;
import io.pgconverge.report.RunReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;

/**
 * The warm-daemon benchmark of {@code reconciler/bench/bench.sh}: N runs of the loop in one warm
 * JVM, as the daemon makes them (the file re-read and validated each time), with their timings on
 * stdout in one line. Takes the data directory's lock like the daemon. Test scope: it is not in
 * the production jar; run it as {@code postgres.user} with the jar and the test classes:
 *
 * <pre>
 * runuser -u postgres -- java -cp reconciler/target/pgconverge-0.1.0.jar:reconciler/target/test-classes \
 *     io.pgconverge.cli.DaemonBench --config desired-state.yaml --runs 200
 * </pre>
 */
public final class DaemonBench {
  private DaemonBench() {}

  public static void main(String[] args) throws Exception {
    Path config = null;
    int runs = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--config" -> config = Path.of(args[i + 1]).toAbsolutePath();
        case "--runs" -> runs = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (config == null || runs < 1 || args.length % 2 != 0) {
      System.err.println("usage: DaemonBench --config FILE --runs N (as postgres.user)");
      System.exit(64);
    }
    if (RunAs.isRoot()) {
      System.err.println("DaemonBench: run it as postgres.user (runuser -u postgres -- java ...), not as root");
      System.exit(64);
    }
    LogSetup.configure("text");
    System.exit(run(config, Hostname.get(), runs, System.out));
  }

  public static int run(Path config, String defaultSelf, int runs, PrintStream out) throws Exception {
    DesiredStateCache cache = new DesiredStateCache();
    LoadResult first = cache.load(config, defaultSelf);
    if (!(first instanceof LoadResult.Valid v)) {
      out.println("invalid desired state: " + ((LoadResult.Invalid) first).problems());
      return 1;
    }
    try (RunLock lock = RunLock.acquire(v.state().postgres().data())) {
      Reconciler reconciler = new Reconciler(Clock.systemUTC());
      long[] nanos = new long[runs];
      String lastResult = "";
      int notInSync = 0;
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        DesiredState desired = ((LoadResult.Valid) cache.load(config, defaultSelf)).state();
        RunReport r = reconciler.run(desired, false, "bench" + i);
        nanos[i] = System.nanoTime() - t0;
        lastResult = r.result().word();
        if (!"in-sync".equals(lastResult)) {
          notInSync++;
        }
      }
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      out.printf(java.util.Locale.ROOT,
          "runs=%d first_ms=%.2f median_ms=%.2f p95_ms=%.2f max_ms=%.2f not_in_sync=%d last_result=%s %s%n",
          runs, nanos[0] / 1e6, pct(sorted, 50) / 1e6, pct(sorted, 95) / 1e6, sorted[runs - 1] / 1e6, notInSync, lastResult,
          memory());
      return 0;
    } catch (RunLock.HeldException e) {
      out.println(e.getMessage());
      return 4;
    }
  }

  /** Resident memory now and at its peak, from /proc/self/status, and the heap in use after a GC. */
  static String memory() {
    String rss = "?";
    String hwm = "?";
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = line.replaceAll("[^0-9]", "");
        } else if (line.startsWith("VmHWM:")) {
          hwm = line.replaceAll("[^0-9]", "");
        }
      }
    } catch (java.io.IOException e) {
      // not Linux
    }
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return "rss_kb=" + rss + " peak_rss_kb=" + hwm + " heap_used_kb=" + (rt.totalMemory() - rt.freeMemory()) / 1024;
  }

  /** The nearest-rank percentile of sorted values. */
  static long pct(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
