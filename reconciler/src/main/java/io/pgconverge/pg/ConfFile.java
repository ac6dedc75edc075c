package io.pgconverge.pg;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed postgresql.conf: every setting line in file order, and the include directives.
 *
 * <p>The same name may occur more than once; as in the server, the last occurrence wins.
 */
public record ConfFile(List<ConfEntry> entries, List<ConfInclude> includes) {
  public ConfFile {
    entries = List.copyOf(entries);
    includes = List.copyOf(includes);
  }

  /**
   * The value each name ends up with, by the last-occurrence-wins rule, in order of each name's
   * first appearance. Has no side effects.
   */
  public Map<String, ConfEntry> effective() {
    Map<String, ConfEntry> result = new LinkedHashMap<>();
    for (ConfEntry entry : entries) {
      result.put(entry.name(), entry);
    }
    return result;
  }

  /** The last occurrence of {@code name} (matched case-insensitively). Has no side effects. */
  public Optional<ConfEntry> get(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    ConfEntry found = null;
    for (ConfEntry entry : entries) {
      if (entry.name().equals(wanted)) {
        found = entry;
      }
    }
    return Optional.ofNullable(found);
  }
}
