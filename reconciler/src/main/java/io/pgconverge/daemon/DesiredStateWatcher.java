package io.pgconverge.daemon;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the directory of the desired-state file (config management replaces the file by
 * rename, which a watch on the file itself would miss) and calls {@code onChange} once the file
 * was created, replaced or written and then nothing happened to it for {@link #QUIET_MILLIS} (debounce:
 * an editor or a copy writes in several steps). One thread, blocked in the kernel while nothing
 * happens.
 */
public final class DesiredStateWatcher implements AutoCloseable {
  /**
   * 100 ms: config management renames a complete file into place (one event); a copy or an editor
   * writes a few kilobytes in one burst, well within it. It is on the path of every pushed
   * switchover (each daemon waits it before its run), where it was 300 ms. A writer that pauses
   * longer mid-file gets the same treatment as with any quiet time: a part that does not load is
   * reported invalid (the last valid state stays enforced) and its next write starts another run.
   */
  static final long QUIET_MILLIS = 100;
  private static final Logger LOG = LoggerFactory.getLogger("pgconverge");

  private final Path file;
  private final WatchService watch;
  private final Thread thread;
  private final Consumer<String> onChange;

  private DesiredStateWatcher(Path file, WatchService watch, Consumer<String> onChange) {
    this.file = file;
    this.watch = watch;
    this.onChange = onChange;
    this.thread = new Thread(this::loop, "pgconverge-watch");
    this.thread.setDaemon(true);
  }

  /** Starts watching {@code file}'s directory; {@code onChange} gets a short reason. */
  public static DesiredStateWatcher start(Path file, Consumer<String> onChange) throws IOException {
    Path abs = file.toAbsolutePath();
    WatchService ws = FileSystems.getDefault().newWatchService();
    abs.getParent().register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
        StandardWatchEventKinds.ENTRY_DELETE);
    DesiredStateWatcher w = new DesiredStateWatcher(abs, ws, onChange);
    w.thread.start();
    return w;
  }

  private void loop() {
    try {
      while (true) {
        WatchKey key = watch.take();
        boolean ours = drain(key);
        if (!ours) {
          continue;
        }
        // debounce: wait until the file has been quiet for QUIET_MILLIS
        while (true) {
          WatchKey more = watch.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
          if (more == null) {
            break;
          }
          drain(more);
        }
        onChange.accept("desired-state file changed");
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("the desired-state watch stopped: {}", e.toString());
    }
  }

  /** Reads a key's events; true when one of them concerns the desired-state file or overflowed. */
  private boolean drain(WatchKey key) {
    boolean ours = false;
    for (WatchEvent<?> e : key.pollEvents()) {
      if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
        ours = true;
      } else if (e.context() instanceof Path p && p.equals(file.getFileName())) {
        ours = true;
      }
    }
    key.reset();
    return ours;
  }

  @Override
  public void close() throws IOException {
    watch.close();
    thread.interrupt();
  }
}
