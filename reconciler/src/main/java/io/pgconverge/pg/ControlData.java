package io.pgconverge.pg;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parts of {@code pg_controldata} output the reconciler needs, plus every line as a map.
 *
 * <p>Each output line is {@code <label>:<spaces><value>}; labels contain no colon, values may
 * ({@code 0:726}, times of day), so a line splits at its first colon and both sides are trimmed.
 * Lines without a colon are ignored. The output is assumed to be in English ({@code LANG=C}).
 *
 * @param systemIdentifier "Database system identifier" (a 64-bit number, kept as text)
 * @param clusterState "Database cluster state" ({@code shut down}, {@code in production}, {@code
 *     in archive recovery}, {@code shut down in recovery}, ...)
 * @param timeline "Latest checkpoint's TimeLineID"
 * @param all every label and value in output order
 */
public record ControlData(
    String systemIdentifier, String clusterState, int timeline, Map<String, String> all) {
  public static final String SYSTEM_IDENTIFIER = "Database system identifier";
  public static final String CLUSTER_STATE = "Database cluster state";
  public static final String TIMELINE = "Latest checkpoint's TimeLineID";

  public ControlData {
    all = Collections.unmodifiableMap(new LinkedHashMap<>(all));
  }

  /**
   * Parses the output. Has no side effects.
   *
   * @throws IllegalArgumentException when one of the three needed lines is missing or the
   *     timeline is not a number
   */
  public static ControlData parse(String pgControldataOutput) {
    Map<String, String> all = new LinkedHashMap<>();
    for (String line : pgControldataOutput.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        all.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    String timeline = require(all, TIMELINE);
    try {
      return new ControlData(
          require(all, SYSTEM_IDENTIFIER),
          require(all, CLUSTER_STATE),
          Integer.parseInt(timeline),
          all);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "pg_controldata output: \"" + TIMELINE + "\" is not a number: \"" + timeline + "\"");
    }
  }

  /** Whether the cluster was shut down cleanly (state exactly {@code shut down}). */
  public boolean cleanlyShutDown() {
    return clusterState.equals("shut down");
  }

  private static String require(Map<String, String> all, String label) {
    String value = all.get(label);
    if (value == null) {
      throw new IllegalArgumentException("pg_controldata output has no \"" + label + ":\" line");
    }
    return value;
  }
}
