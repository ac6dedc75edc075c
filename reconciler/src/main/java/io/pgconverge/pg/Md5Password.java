package io.pgconverge.pg;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * PostgreSQL's legacy md5 password format: {@code "md5" + hex(md5(password ‖ username))}. The
 * user name is the salt, so renaming a role invalidates its md5 password.
 */
public final class Md5Password {
  public static final String PREFIX = "md5";

  private Md5Password() {}

  /** The stored form for this password and user. Has no side effects. */
  public static String hash(String password, String user) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      md5.update(password.getBytes(StandardCharsets.UTF_8));
      md5.update(user.getBytes(StandardCharsets.UTF_8));
      return PREFIX + HexFormat.of().formatHex(md5.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is not available in this JVM", e);
    }
  }

  /**
   * Whether {@code stored} is the md5 form of this password for this user (constant-time compare;
   * hex case-insensitive). Has no side effects.
   */
  public static boolean matches(String password, String user, String stored) {
    if (password == null || user == null || stored == null || stored.length() != 35
        || !stored.startsWith(PREFIX)) {
      return false;
    }
    byte[] expected = hash(password, user).getBytes(StandardCharsets.US_ASCII);
    byte[] actual = stored.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, actual);
  }
}
