package io.pgconverge.pg;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.postgresql.util.PasswordUtil;

/**
 * PostgreSQL's SCRAM-SHA-256 password verifier, {@code
 * SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>} with base64 parts, as stored in
 * {@code pg_authid.rolpassword}.
 *
 * <p>Computed by pgjdbc's {@link PasswordUtil#encodeScramSha256(char[], int, byte[])}, which
 * does what the server's {@code scram_build_secret} and libpq do:
 *
 * <ol>
 *   <li>The password is normalised with SASLprep (RFC 4013: NFKC, non-ASCII spaces mapped to a
 *       space, characters such as the soft hyphen mapped to nothing); a password SASLprep
 *       refuses is used as it is, as the server does. So {@code paßwortⅣ} is hashed as {@code
 *       paßwortIV}, exactly as psql will send it when the user logs in.
 *   <li>SaltedPassword = PBKDF2-HMAC-SHA-256(prepared password in UTF-8, salt, iterations).
 *   <li>ClientKey = HMAC(SaltedPassword, "Client Key"); StoredKey = SHA-256(ClientKey).
 *   <li>ServerKey = HMAC(SaltedPassword, "Server Key").
 * </ol>
 *
 * <p>Checking a password against a stored verifier computes the verifier again with the stored
 * salt and iteration count and compares the keys in constant time. The empty password has no
 * verifier (PostgreSQL refuses it, and pgconverge refuses an empty password file).
 *
 * <p>A password of printable ASCII only (space to tilde) is its own SASLprep form (RFC 4013 maps
 * and normalises only non-ASCII characters, and prohibits only control characters), so its keys
 * are computed by {@link Pbkdf2Sha256} without SASLprep or the JCE: what every run that checks a
 * role's password does, in a fresh JVM for {@code check} and {@code apply}. Any other password goes
 * through pgjdbc as described above. Both give the same bytes for such a password (tested).
 */
public final class ScramSha256 {
  public static final String PREFIX = "SCRAM-SHA-256$";
  public static final int DEFAULT_ITERATIONS = 4096;
  private static final int SALT_LENGTH = 16;

  private ScramSha256() {}

  /**
   * The verifier for this password, salt and iteration count. Has no side effects.
   *
   * @throws IllegalArgumentException for an empty password, an empty salt or fewer than 1 iteration
   */
  public static String verifier(String password, byte[] salt, int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
    }
    if (password.isEmpty()) {
      throw new IllegalArgumentException("the empty password has no SCRAM verifier");
    }
    if (!isPrintableAscii(password)) {
      return PasswordUtil.encodeScramSha256(password.toCharArray(), iterations, salt);
    }
    Keys keys = Keys.of(password, salt, iterations);
    Base64.Encoder b64 = Base64.getEncoder();
    return PREFIX + iterations + ":" + b64.encodeToString(salt) + "$" + b64.encodeToString(keys.storedKey()) + ":"
        + b64.encodeToString(keys.serverKey());
  }

  /** Space to tilde only: the characters SASLprep leaves as they are, and none it prohibits. */
  static boolean isPrintableAscii(String password) {
    for (int i = 0; i < password.length(); i++) {
      char c = password.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** StoredKey and ServerKey of a printable-ASCII password. */
  private record Keys(byte[] storedKey, byte[] serverKey) {
    static Keys of(String password, byte[] salt, int iterations) {
      byte[] salted = Pbkdf2Sha256.pbkdf2(password.getBytes(StandardCharsets.US_ASCII), salt, iterations);
      byte[] clientKey = Pbkdf2Sha256.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
      return new Keys(Pbkdf2Sha256.sha256(clientKey), Pbkdf2Sha256.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII)));
    }
  }

  /** Made on first use: a {@code check} that only compares verifiers never seeds it. */
  private static final class Random {
    static final SecureRandom INSTANCE = new SecureRandom();
  }

  /**
   * A verifier with a fresh 16-byte salt from {@link SecureRandom} and 4096 iterations (the
   * server's default). Its only side effect is drawing from the random generator.
   */
  public static String newVerifier(String password) {
    byte[] salt = new byte[SALT_LENGTH];
    Random.INSTANCE.nextBytes(salt);
    return verifier(password, salt, DEFAULT_ITERATIONS);
  }

  /**
   * Whether {@code password} produces {@code storedVerifier} with the stored salt and iteration
   * count (keys compared in constant time). False for a malformed verifier and for the empty
   * password. Has no side effects.
   */
  public static boolean matches(String password, String storedVerifier) {
    if (password == null || password.isEmpty() || storedVerifier == null || !storedVerifier.startsWith(PREFIX)) {
      return false;
    }
    Parts stored = Parts.of(storedVerifier);
    if (stored == null) {
      return false;
    }
    Parts computed;
    if (isPrintableAscii(password)) {
      Keys keys = Keys.of(password, stored.salt(), stored.iterations());
      computed = new Parts(stored.iterations(), stored.salt(), keys.storedKey(), keys.serverKey());
    } else {
      computed = Parts.of(verifier(password, stored.salt(), stored.iterations()));
    }
    boolean storedOk = MessageDigest.isEqual(computed.storedKey(), stored.storedKey());
    boolean serverOk = MessageDigest.isEqual(computed.serverKey(), stored.serverKey());
    return storedOk & serverOk;
  }

  /** The decoded parts of a verifier. */
  private record Parts(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    /** The parts of {@code verifier}; null when it is malformed. */
    static Parts of(String verifier) {
      String[] halves = verifier.substring(PREFIX.length()).split("\\$", -1);
      if (halves.length != 2) {
        return null;
      }
      String[] iterSalt = halves[0].split(":", -1);
      String[] storedServer = halves[1].split(":", -1);
      if (iterSalt.length != 2 || storedServer.length != 2 || !iterSalt[0].matches("[1-9][0-9]{0,8}")) {
        return null;
      }
      try {
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] salt = b64.decode(iterSalt[1]);
        return salt.length == 0 ? null
            : new Parts(Integer.parseInt(iterSalt[0]), salt, b64.decode(storedServer[0]), b64.decode(storedServer[1]));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
  }
}
