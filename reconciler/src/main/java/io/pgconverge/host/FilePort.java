package io.pgconverge.host;

import java.io.IOException;
import java.nio.file.Path;

/** The file-writer port: replaces a managed file whole; {@link AtomicFiles#write} is the real one. */
@FunctionalInterface
public interface FilePort {
  /** Replaces {@code target} with {@code content} (mode 0600); the target is never half-written. */
  void write(Path target, byte[] content) throws IOException;
}
