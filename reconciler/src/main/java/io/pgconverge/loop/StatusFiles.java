package io.pgconverge.loop;

import io.pgconverge.host.AtomicFiles;
import io.pgconverge.report.MetricsText;
import io.pgconverge.report.RunResult;
import io.pgconverge.report.RunStatus;
import io.pgconverge.report.StatusFileJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the status file and the metrics file after a run, each with {@link AtomicFiles#publish}
 * (temp file beside it, renamed over it: readers see a whole file; not fsynced, since the next run
 * rewrites both and their default place, {@code /run}, does not outlive a reboot), mode 0644 so
 * that {@code pgconverge status} and node_exporter can read them. A missing
 * directory is created by the daemon; for a one-shot {@code apply} it is skipped (the directory
 * belongs to the daemon's systemd unit).
 */
public final class StatusFiles {
  private static final Logger LOG = LoggerFactory.getLogger("pgconverge");

  private final Path status;
  private final Path metrics;
  private final boolean createDirectories;
  private boolean warned;
  /** Runs written since this object was made (the daemon's lifetime), by result. */
  private final Map<RunResult, Long> runs = new EnumMap<>(RunResult.class);
  /** Restarts after a crash counted so far: carried on from the metrics file found at the first write. */
  private long crashRestarts = -1;

  public StatusFiles(Path status, Path metrics, boolean createDirectories) {
    this.status = status;
    this.metrics = metrics;
    this.createDirectories = createDirectories;
  }

  /**
   * Writes both files; a failure is logged (once as a warning for the daemon), never thrown. Counts
   * the run's result first, so the metrics' run counter includes this run.
   */
  public void write(RunStatus s) {
    runs.merge(s.result(), 1L, Long::sum);
    if (crashRestarts < 0) {
      try {
        crashRestarts = Files.isReadable(metrics) ? MetricsText.counterIn(Files.readString(metrics), MetricsText.SERVER_CRASH_RESTARTS) : 0;
      } catch (IOException | RuntimeException e) {
        crashRestarts = 0;
      }
    }
    crashRestarts += s.serverCrashRestarts();
    // metrics first: whoever sees a new status file (pgconverge status, a test) finds metrics at
    // least as new beside it
    write(metrics, MetricsText.render(s, runs, crashRestarts));
    write(status, StatusFileJson.render(s));
  }

  private void write(Path target, String text) {
    Path dir = target.toAbsolutePath().getParent();
    try {
      if (!Files.isDirectory(dir)) {
        if (!createDirectories) {
          LOG.debug("not writing {}: {} does not exist", target, dir);
          return;
        }
        Files.createDirectories(dir);
      }
      AtomicFiles.publish(target, text.getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-r--r--"));
    } catch (IOException | RuntimeException e) {
      if (createDirectories && !warned) {
        LOG.warn("cannot write {}: {}", target, e.toString());
        warned = true;
      } else {
        LOG.debug("cannot write {}: {}", target, e.toString());
      }
    }
  }

  /** The copy of the last valid desired state beside {@code statusFile}. Has no side effects. */
  public static Path lastValidCopy(Path statusFile) {
    return statusFile.toAbsolutePath().resolveSibling("desired-state.last-valid.yaml");
  }

  /**
   * Keeps a copy of the desired state being enforced beside the status file (mode 0640), so that
   * {@code pgconverge status} can show the host with it while the file on disk is invalid.
   * {@code text} is the file's text the state was parsed from. Rewritten only when its bytes
   * differ; a failure is logged, never thrown.
   */
  public void saveLastValid(String text) {
    Path copy = lastValidCopy(status);
    if (!Files.isDirectory(copy.getParent()) && !createDirectories) {
      return;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try {
      Files.createDirectories(copy.getParent());
      if (Files.isRegularFile(copy) && java.util.Arrays.equals(Files.readAllBytes(copy), bytes)) {
        return;
      }
      AtomicFiles.write(copy, bytes, PosixFilePermissions.fromString("rw-r-----"));
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot write {}: {}", copy, e.toString());
    }
  }
}
