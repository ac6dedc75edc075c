package io.pgconverge.pg;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks a clear-text password against whatever {@code pg_authid.rolpassword} holds, choosing the
 * format by its prefix: {@code SCRAM-SHA-256$} or {@code md5}. Anything else (null, a clear-text
 * password from before PostgreSQL 10, an unknown format) never matches, so the caller resets it.
 *
 * <p>A SCRAM check costs 4096 HMAC rounds; a daemon asks the same question every run. Answers are
 * remembered in memory (never on disk), keyed by user, stored verifier and a SHA-256 of the
 * password, so a changed password or verifier is checked afresh. The function stays pure: the
 * memo only saves work.
 */
public final class PasswordVerifiers {
  private static final int MEMO_SIZE = 4096;
  private static final Map<String, Boolean> MEMO =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > MEMO_SIZE;
            }
          });

  private PasswordVerifiers() {}

  /** Whether {@code password} for {@code user} yields {@code stored}. Has no side effects. */
  public static boolean matches(String password, String user, String stored) {
    if (password == null || stored == null) {
      return false;
    }
    String key = user + "\u0000" + stored + "\u0000" + sha256(password);
    Boolean known = MEMO.get(key);
    if (known != null) {
      return known;
    }
    boolean result = compute(password, user, stored);
    MEMO.put(key, result);
    return result;
  }

  private static boolean compute(String password, String user, String stored) {
    if (stored.startsWith(ScramSha256.PREFIX)) {
      return ScramSha256.matches(password, stored);
    }
    if (stored.startsWith(Md5Password.PREFIX)) {
      return Md5Password.matches(password, user, stored);
    }
    return false;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
