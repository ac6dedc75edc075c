package io.pgconverge.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two texts (as {@code diff -u} prints it, three lines of context), for {@code
 * check --diff}. Longest-common-subsequence on lines; config files are small. Has no side effects.
 */
public final class UnifiedDiff {
  private UnifiedDiff() {}

  public static String of(String path, String before, String after) {
    List<String> a = before.isEmpty() ? List.of() : before.lines().toList();
    List<String> b = after.lines().toList();
    int n = a.size();
    int m = b.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    // edit script: ' ' keep, '-' delete, '+' insert, with positions in a and b
    List<char[]> ops = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a.get(i).equals(b.get(j))) {
        ops.add(new char[] {' '});
        texts.add(a.get(i));
        i++;
        j++;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.add(new char[] {'-'}); // removals first, as diff -u prints them
        texts.add(a.get(i));
        i++;
      } else {
        ops.add(new char[] {'+'});
        texts.add(b.get(j));
        j++;
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(path).append("\n+++ ").append(path).append(" (desired)\n");
    int k = 0;
    int total = ops.size();
    int[] aLine = new int[total + 1];
    int[] bLine = new int[total + 1];
    for (int x = 0, ai = 1, bi = 1; x < total; x++) {
      aLine[x] = ai;
      bLine[x] = bi;
      char op = ops.get(x)[0];
      if (op != '+') {
        ai++;
      }
      if (op != '-') {
        bi++;
      }
    }
    while (k < total) {
      while (k < total && ops.get(k)[0] == ' ') {
        k++;
      }
      if (k == total) {
        break;
      }
      int start = Math.max(0, k - 3);
      int end = k;
      while (end < total) {
        if (ops.get(end)[0] != ' ') {
          end++;
          continue;
        }
        int run = end;
        while (run < total && ops.get(run)[0] == ' ') {
          run++;
        }
        if (run == total || run - end > 6) {
          end = Math.min(total, end + 3);
          break;
        }
        end = run;
      }
      int aCount = 0;
      int bCount = 0;
      for (int x = start; x < end; x++) {
        char op = ops.get(x)[0];
        if (op != '+') {
          aCount++;
        }
        if (op != '-') {
          bCount++;
        }
      }
      out.append("@@ -").append(aCount == 0 ? aLine[start] - 1 : aLine[start]).append(',').append(aCount)
          .append(" +").append(bCount == 0 ? bLine[start] - 1 : bLine[start]).append(',').append(bCount).append(" @@\n");
      for (int x = start; x < end; x++) {
        out.append(ops.get(x)[0]).append(texts.get(x)).append('\n');
      }
      k = end;
    }
    return out.toString();
  }
}
