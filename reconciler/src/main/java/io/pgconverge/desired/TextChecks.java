package io.pgconverge.desired;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Turns the bytes of a desired-state file into text, or says at which line and column they stop
 * being a desired-state file: too long, UTF-16/UTF-32, not UTF-8, or a control character. Has no
 * side effects.
 */
final class TextChecks {
  private TextChecks() {}

  /** Longest line, in characters: far beyond any real value, and short enough to parse quickly. */
  static final int MAX_LINE = 16_384;

  static DesiredStateLoader.Text decode(byte[] bytes, Path file, int maxBytes) {
    if (bytes.length > maxBytes) {
      int[] lc = lineAndColumnOfByte(bytes, maxBytes);
      return problem(file, lc[0], lc[1],
          "the file is longer than " + maxBytes + " bytes (1 MiB), the most a desired-state file may hold; line " + lc[0] + " goes past it");
    }
    if (startsWith(bytes, 0x00, 0x00, 0xFE, 0xFF) || startsWith(bytes, 0xFF, 0xFE, 0x00, 0x00)) {
      return problem(file, 1, 1, "the file is UTF-32 text (it starts with a UTF-32 byte-order mark); save it as UTF-8");
    }
    if (startsWith(bytes, 0xFE, 0xFF) || startsWith(bytes, 0xFF, 0xFE)) {
      return problem(file, 1, 1, "the file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8");
    }
    int start = startsWith(bytes, 0xEF, 0xBB, 0xBF) ? 3 : 0;
    CharsetDecoder decoder =
        StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = decoder.decode(in, out, true);
    if (r.isError()) {
      int[] lc = lineAndColumnOfByte(bytes, in.position());
      return problem(file, lc[0], lc[1], String.format(
          "byte 0x%02X at line %d, column %d is not UTF-8; a desired-state file is UTF-8 text",
          bytes[in.position()] & 0xff, lc[0], lc[1]));
    }
    decoder.flush(out);
    out.flip();
    String text = out.toString();
    int line = 1;
    int column = 1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
        column = 1;
        continue;
      }
      if (c != '\t' && c != '\r' && ValueGrammar.isControl(c) || c == '\uFEFF') {
        String what = c == 0 ? "a NUL byte" : String.format("the control character U+%04X", (int) c);
        String hint = c == 0 && bytes.length > 1 && (bytes[0] == 0 || bytes[1] == 0)
            ? " (the file looks like UTF-16 text without a byte-order mark; save it as UTF-8)" : "";
        return problem(file, line, column, what + " at line " + line + ", column " + column
            + " is not allowed in a desired-state file" + hint + "; write it as an escape in a double-quoted string if it is meant");
      }
      if (!Character.isLowSurrogate(c)) {
        column++;
      }
      if (column > MAX_LINE + 1) {
        int lineStart = text.lastIndexOf('\n', i) + 1;
        java.util.regex.Matcher key = KEY.matcher(text.substring(lineStart, Math.min(text.length(), lineStart + 300)));
        String which = key.lookingAt() ? " (the value of " + key.group(1) + ")" : "";
        return problem(file, line, 1, "line " + line + which + " is longer than " + MAX_LINE
            + " characters, more than any desired-state value needs");
      }
    }
    return new DesiredStateLoader.Text(text, null);
  }

  private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("\\s*(?:-\\s+)?([A-Za-z_][A-Za-z0-9_.]*)\\s*:");

  private static DesiredStateLoader.Text problem(Path file, int line, int column, String message) {
    return new DesiredStateLoader.Text(null, new Problem(new SourceLocation(file, line, column), "", message));
  }

  private static boolean startsWith(byte[] bytes, int... prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((bytes[i] & 0xff) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Line and column (in characters, counting each UTF-8 sequence once) of byte {@code offset}. */
  private static int[] lineAndColumnOfByte(byte[] bytes, int offset) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      if (b == '\n') {
        line++;
        column = 1;
      } else if ((b & 0xC0) != 0x80 && !(i < 3 && offset > 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB)) {
        column++;
      }
    }
    return new int[] {line, column};
  }
}
