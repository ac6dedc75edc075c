package io.pgconverge.pg;

import java.util.List;

/**
 * Classifies a data directory from its listing, without reading it.
 *
 * <ol>
 *   <li>Ignore dot-files and {@code lost+found} (a mount point's own entries).
 *   <li>Nothing left: {@link DataDirectoryKind#EMPTY}.
 *   <li>{@code PG_VERSION} present and the caller found {@code global/pg_control}: {@link
 *       DataDirectoryKind#INITIALIZED}.
 *   <li>Otherwise {@link DataDirectoryKind#FOREIGN}, including a half-copied cluster.
 * </ol>
 */
public final class DataDirectoryClassifier {
  private DataDirectoryClassifier() {}

  /**
   * @param entryNames the names of the directory's entries (not paths)
   * @param hasPgControl whether {@code global/pg_control} exists as a file
   * @return never {@link DataDirectoryKind#MISSING}; has no side effects
   */
  public static DataDirectoryKind classify(List<String> entryNames, boolean hasPgControl) {
    List<String> meaningful =
        entryNames.stream().filter(n -> !n.startsWith(".") && !n.equals("lost+found")).toList();
    if (meaningful.isEmpty()) {
      return DataDirectoryKind.EMPTY;
    }
    if (meaningful.contains("PG_VERSION") && hasPgControl) {
      return DataDirectoryKind.INITIALIZED;
    }
    return DataDirectoryKind.FOREIGN;
  }
}
