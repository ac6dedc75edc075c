package io.pgconverge.report;

import io.pgconverge.apply.Outcome;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.Refusal;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes a run's log lines as the steps happen: a drift when the pass that found it has planned,
 * an applied / failed / skipped line when the action ends, and at the end the refusals, the
 * pending restarts and the summary ({@link #finish}). The text of each line is {@link
 * ReportLines}'; its fields go along as SLF4J key-value pairs, which the JSON log writes as
 * fields and the text log leaves out. Also tags the thread's log lines with {@code host} and
 * {@code cluster} (MDC) until {@link #finish}.
 *
 * <p>A long pg_basebackup's progress: on a terminal one line rewritten in place on stderr; else a
 * log line every {@code progressEvery} (the daemon's journal or file).
 */
public final class RunLog implements RunEvents {
  /** How often a long copy's progress is logged when there is no terminal to draw it on. */
  public static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

  private final Logger log;
  private final boolean checkOnly;
  private final PrintStream terminal;
  private final long progressEveryNanos;
  private long lastProgress;
  private boolean progressOnTerminal;

  /**
   * @param terminal stderr when it is a terminal (progress is drawn there), else null
   * @param progressEvery how often a progress line is logged when there is no terminal
   */
  public RunLog(Logger log, String host, String cluster, boolean checkOnly, PrintStream terminal, Duration progressEvery) {
    this.log = log;
    this.checkOnly = checkOnly;
    this.terminal = terminal;
    this.progressEveryNanos = progressEvery.toNanos();
    MDC.put("host", host);
    MDC.put("cluster", cluster);
  }

  @Override
  public void drift(Drift drift) {
    write(ReportLines.drift(drift, checkOnly), null);
  }

  @Override
  public void outcome(Outcome outcome, Duration took) {
    endProgressLine();
    ReportLines.outcome(outcome, checkOnly, took).ifPresent(l -> write(l, null));
  }

  @Override
  public void progress(Action action, long doneBytes, long totalBytes) {
    String text = "progress: " + action.describe().replaceFirst(" \\(.*$", "") + ": " + mib(doneBytes) + " of "
        + (totalBytes > 0 ? mib(totalBytes) + " (" + Math.min(100, doneBytes * 100 / totalBytes) + "%)" : "an unknown total");
    if (terminal != null) {
      terminal.print("\r" + text + "\u001b[K");
      terminal.flush();
      progressOnTerminal = true;
      return;
    }
    long now = System.nanoTime();
    if (lastProgress != 0 && now - lastProgress < progressEveryNanos) {
      return;
    }
    lastProgress = now;
    write(new ReportLines.Line(false, text, Map.of("event", "progress", "action", ReportLines.actionName(action),
        "bytes_done", doneBytes, "bytes_total", totalBytes)), null);
  }

  /** Writes the lines that only the end of a run knows (refusals, pending restarts, summary) and removes the MDC tags. */
  public void finish(RunReport report) {
    endProgressLine();
    try {
      for (String p : report.problems()) {
        write(ReportLines.problem(p), null);
      }
      for (Refusal r : report.refusals()) {
        write(ReportLines.refusal(r), null);
      }
      for (ReportLines.Line l : ReportLines.end(report)) {
        write(l, null);
      }
    } finally {
      MDC.remove("host");
      MDC.remove("cluster");
    }
  }

  private void endProgressLine() {
    if (progressOnTerminal) {
      terminal.println();
      progressOnTerminal = false;
    }
  }

  private void write(ReportLines.Line line, Level level) {
    LoggingEventBuilder b = log.atLevel(level != null ? level : line.warning() ? Level.WARN : Level.INFO);
    for (Map.Entry<String, Object> f : line.fields().entrySet()) {
      b = b.addKeyValue(f.getKey(), f.getValue());
    }
    b.log(line.text());
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
  }
}
