package io.pgconverge.pg;

/**
 * Checks a clear-text password against whatever {@code pg_authid.rolpassword} holds, choosing the
 * format by its prefix: {@code SCRAM-SHA-256$} or {@code md5}. Anything else (null, a clear-text
 * password from before PostgreSQL 10, an unknown format) never matches, so the caller resets it.
 */
public final class PasswordVerifiers {
  private PasswordVerifiers() {}

  /** Whether {@code password} for {@code user} yields {@code stored}. Has no side effects. */
  public static boolean matches(String password, String user, String stored) {
    if (password == null || stored == null) {
      return false;
    }
    if (stored.startsWith(ScramSha256.PREFIX)) {
      return ScramSha256.matches(password, stored);
    }
    if (stored.startsWith(Md5Password.PREFIX)) {
      return Md5Password.matches(password, user, stored);
    }
    return false;
  }
}
