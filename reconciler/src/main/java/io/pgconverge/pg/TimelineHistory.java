package io.pgconverge.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A timeline history file ({@code 00000002.history}, what {@code TIMELINE_HISTORY 2} returns):
 * one line per ancestor timeline, {@code parentTLI <tab> switchpoint <tab> reason}, oldest first;
 * the switchpoint is where the parent timeline ended and its child began. Blank lines and lines
 * starting with {@code #} are skipped, as the server's own reader does. Has no side effects.
 *
 * <p>Whether a replica can follow a primary on a later timeline (the server's own check,
 * {@code rescanLatestTimeLine}, and Patroni's {@code _check_timeline_and_lsn}):
 *
 * <ol>
 *   <li>the replica replays the primary's timeline: it follows;
 *   <li>the replica's timeline is not in the primary's history: it cannot follow (the new timeline
 *       is not a child of its own);
 *   <li>the replica replayed past the end of its timeline on that history (its replay end LSN above
 *       the switchpoint): it cannot follow, the WAL it replayed after the switchpoint is not the
 *       primary's; at or below the switchpoint it follows.
 * </ol>
 *
 * @param entries the ancestors, oldest first
 */
public record TimelineHistory(List<Entry> entries) {
  /** One line: {@code parent} ended at {@code switchpoint} (an LSN as a byte position). */
  public record Entry(int parent, long switchpoint, String reason) {}

  public TimelineHistory {
    entries = List.copyOf(entries);
  }

  /**
   * Parses a history file's text.
   *
   * @throws IllegalArgumentException naming the line that does not parse, or whose timeline does
   *     not increase
   */
  public static TimelineHistory parse(String text) {
    List<Entry> entries = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+", 3);
      String where = "timeline history line " + (i + 1) + " \"" + line + "\": ";
      if (parts.length < 2) {
        throw new IllegalArgumentException(where + "expected a timeline and a switchpoint");
      }
      int parent;
      try {
        parent = Integer.parseInt(parts[0]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + "expected a numeric timeline ID");
      }
      if (parent < 1 || !entries.isEmpty() && parent <= entries.get(entries.size() - 1).parent()) {
        throw new IllegalArgumentException(where + "timeline IDs must be in increasing sequence");
      }
      long switchpoint = Lsn.parse(parts[1]).orElseThrow(() -> new IllegalArgumentException(where + "expected a WAL location"));
      entries.add(new Entry(parent, switchpoint, parts.length > 2 ? parts[2].strip() : ""));
    }
    return new TimelineHistory(entries);
  }

  /** Where {@code timeline} ends on this history (its child begins), or empty when it is not an ancestor. */
  public Optional<Long> switchpoint(int timeline) {
    return entries.stream().filter(e -> e.parent() == timeline).map(Entry::switchpoint).findFirst();
  }

  /**
   * Whether a replica that replayed {@code timeline} up to {@code replayLsn} (the end of its last
   * replayed record) can follow the primary on {@code primaryTimeline}, whose history this is; see
   * the class comment.
   */
  public boolean followable(int timeline, long replayLsn, int primaryTimeline) {
    if (timeline == primaryTimeline) {
      return true;
    }
    Optional<Long> end = switchpoint(timeline);
    return end.isPresent() && replayLsn <= end.get();
  }
}
