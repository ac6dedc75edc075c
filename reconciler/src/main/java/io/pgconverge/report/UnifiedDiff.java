package io.pgconverge.report;

import com.github.difflib.DiffUtils;
import com.github.difflib.patch.AbstractDelta;
import com.github.difflib.patch.Chunk;
import java.util.List;

/**
 * A unified diff of two texts (as {@code diff -u} prints it, three lines of context), for {@code
 * check --diff}. Has no side effects.
 *
 * <p>The algorithm:
 *
 * <ol>
 *   <li>The changed line ranges (deltas) come from java-diff-utils' Myers diff, whose memory grows
 *       with the size of the difference, not with lines × lines.
 *   <li>Deltas separated by at most six unchanged lines share one hunk; each hunk has up to three
 *       lines of context before and after.
 *   <li>A hunk's header numbers an empty range by the line before it ({@code @@ -0,0 +1,2 @@} for
 *       a new file), as {@code diff -u} and {@code patch} do; the library's own unified writer
 *       would say {@code -1,0}, so the hunks are written here. Removed lines come before added ones.
 * </ol>
 */
public final class UnifiedDiff {
  private static final int CONTEXT = 3;

  private UnifiedDiff() {}

  public static String of(String path, String before, String after) {
    List<String> a = before.isEmpty() ? List.of() : before.lines().toList();
    List<String> b = after.lines().toList();
    List<AbstractDelta<String>> deltas = DiffUtils.diff(a, b).getDeltas();
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(path).append("\n+++ ").append(path).append(" (desired)\n");
    for (int first = 0; first < deltas.size(); ) {
      int last = first;
      while (last + 1 < deltas.size()
          && deltas.get(last + 1).getSource().getPosition() - end(deltas.get(last).getSource()) <= 2 * CONTEXT) {
        last++;
      }
      hunk(out, a, deltas.subList(first, last + 1));
      first = last + 1;
    }
    return out.toString();
  }

  /** One hunk: the deltas with the unchanged lines between them and the context around them. */
  private static void hunk(StringBuilder out, List<String> a, List<AbstractDelta<String>> deltas) {
    Chunk<String> firstSource = deltas.get(0).getSource();
    Chunk<String> lastSource = deltas.get(deltas.size() - 1).getSource();
    int aStart = Math.max(0, firstSource.getPosition() - CONTEXT);
    int aEnd = Math.min(a.size(), end(lastSource) + CONTEXT);
    int bStart = deltas.get(0).getTarget().getPosition() - (firstSource.getPosition() - aStart);
    int bEnd = end(deltas.get(deltas.size() - 1).getTarget()) + (aEnd - end(lastSource));
    out.append("@@ -").append(range(aStart, aEnd - aStart)).append(" +").append(range(bStart, bEnd - bStart)).append(" @@\n");
    int i = aStart;
    for (AbstractDelta<String> d : deltas) {
      for (; i < d.getSource().getPosition(); i++) {
        out.append(' ').append(a.get(i)).append('\n');
      }
      d.getSource().getLines().forEach(l -> out.append('-').append(l).append('\n'));
      d.getTarget().getLines().forEach(l -> out.append('+').append(l).append('\n'));
      i = end(d.getSource());
    }
    for (; i < aEnd; i++) {
      out.append(' ').append(a.get(i)).append('\n');
    }
  }

  /** "start,count" with 1-based lines; an empty range is numbered by the line before it. */
  private static String range(int start, int count) {
    return (count == 0 ? start : start + 1) + "," + count;
  }

  private static int end(Chunk<String> chunk) {
    return chunk.getPosition() + chunk.size();
  }
}
