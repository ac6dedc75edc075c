package io.pgconverge.desired;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The last desired-state file read and what it loaded to, owned by whoever runs: the daemon keeps
 * one for its lifetime (it reads the file on every run, and a 1,000-line file whose text has not
 * changed is not parsed again), a command makes one for its single run. While the text is
 * unchanged {@link #load} hands out the same (immutable) {@link DesiredState} object, which is
 * what lets {@code loop.ServerAcceptance} ask the server once per new file.
 *
 * <p>Thread-safe; reads only the file it is asked for.
 */
public final class DesiredStateCache {
  private Path lastFile;
  private String lastSelf;
  private String lastText;
  private LoadResult lastResult;

  /**
   * {@link DesiredStateLoader#load}, parsed again only when the file, the default self or the
   * file's text changed since the last call; reads the file and has no other side effects.
   */
  public LoadResult load(Path file, String defaultSelf) {
    DesiredStateLoader.Text text = DesiredStateLoader.read(file);
    if (text.problem() != null) {
      return new LoadResult.Invalid(file, List.of(text.problem()));
    }
    synchronized (this) {
      if (lastResult != null && file.equals(lastFile) && defaultSelf.equals(lastSelf) && text.text().equals(lastText)) {
        return lastResult;
      }
    }
    LoadResult result = DesiredStateLoader.parse(text.text(), file, defaultSelf);
    synchronized (this) {
      lastFile = file;
      lastSelf = defaultSelf;
      lastText = text.text();
      lastResult = result;
    }
    return result;
  }

  /**
   * The text {@code state} was parsed from, when it is the last state {@link #load} returned (what
   * the daemon keeps as a copy of the state it enforces); has no side effects.
   */
  public synchronized Optional<String> textOf(DesiredState state) {
    return lastResult instanceof LoadResult.Valid v && v.state() == state ? Optional.of(lastText) : Optional.empty();
  }
}
