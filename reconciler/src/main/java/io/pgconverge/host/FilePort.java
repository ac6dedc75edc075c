package io.pgconverge.host;

import java.io.IOException;
import java.nio.file.Path;

/** The file-writer port: replaces or removes a managed file whole; {@link AtomicFiles} is the real one. */
public interface FilePort {
  /** Replaces {@code target} with {@code content} (mode 0600); the target is never half-written. */
  void write(Path target, byte[] content) throws IOException;

  /** Removes {@code target} durably (its directory fsynced after); returns false when it was not there. */
  boolean remove(Path target) throws IOException;

  /** The real port: {@link AtomicFiles#write} and {@link AtomicFiles#remove}. */
  FilePort REAL = new FilePort() {
    @Override
    public void write(Path target, byte[] content) throws IOException {
      AtomicFiles.write(target, content);
    }

    @Override
    public boolean remove(Path target) throws IOException {
      return AtomicFiles.remove(target);
    }
  };
}
