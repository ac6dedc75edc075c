package io.pgconverge.pg;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * PostgreSQL's SCRAM-SHA-256 password verifier, {@code
 * SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>} with base64 parts, as stored in
 * {@code pg_authid.rolpassword}.
 *
 * <p>Algorithm (RFC 5802 / RFC 7677, as in the server's {@code scram_build_secret}):
 *
 * <ol>
 *   <li>SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations), one 32-byte block.
 *   <li>ClientKey = HMAC(SaltedPassword, "Client Key"); StoredKey = SHA-256(ClientKey).
 *   <li>ServerKey = HMAC(SaltedPassword, "Server Key").
 * </ol>
 *
 * <p>The password bytes are its UTF-8 encoding. The server first normalises the password with
 * SASLprep, which changes nothing for ASCII passwords; for non-ASCII passwords that SASLprep
 * would alter, this class (which does not implement SASLprep) produces a different verifier, so
 * keep managed passwords ASCII.
 */
public final class ScramSha256 {
  public static final String PREFIX = "SCRAM-SHA-256$";
  public static final int DEFAULT_ITERATIONS = 4096;
  private static final int SALT_LENGTH = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ScramSha256() {}

  /** The verifier for this password, salt and iteration count. Has no side effects. */
  public static String verifier(String password, byte[] salt, int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
    }
    byte[][] keys = keys(password, salt, iterations);
    Base64.Encoder b64 = Base64.getEncoder();
    return PREFIX
        + iterations
        + ":"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(keys[0])
        + ":"
        + b64.encodeToString(keys[1]);
  }

  /**
   * A verifier with a fresh 16-byte salt from {@link SecureRandom} and 4096 iterations (the
   * server's default). Its only side effect is drawing from the random generator.
   */
  public static String newVerifier(String password) {
    byte[] salt = new byte[SALT_LENGTH];
    RANDOM.nextBytes(salt);
    return verifier(password, salt, DEFAULT_ITERATIONS);
  }

  /**
   * Whether {@code password} produces {@code storedVerifier} with the stored salt and iteration
   * count (keys compared in constant time). False for a malformed verifier. Has no side effects.
   */
  public static boolean matches(String password, String storedVerifier) {
    if (password == null || storedVerifier == null || !storedVerifier.startsWith(PREFIX)) {
      return false;
    }
    String[] halves = storedVerifier.substring(PREFIX.length()).split("\\$", -1);
    if (halves.length != 2) {
      return false;
    }
    String[] iterSalt = halves[0].split(":", -1);
    String[] storedServer = halves[1].split(":", -1);
    if (iterSalt.length != 2 || storedServer.length != 2) {
      return false;
    }
    try {
      int iterations = Integer.parseInt(iterSalt[0]);
      if (iterations < 1) {
        return false;
      }
      Base64.Decoder b64 = Base64.getDecoder();
      byte[] salt = b64.decode(iterSalt[1]);
      byte[] storedKey = b64.decode(storedServer[0]);
      byte[] serverKey = b64.decode(storedServer[1]);
      byte[][] keys = keys(password, salt, iterations);
      boolean storedOk = MessageDigest.isEqual(keys[0], storedKey);
      boolean serverOk = MessageDigest.isEqual(keys[1], serverKey);
      return storedOk & serverOk;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** {StoredKey, ServerKey}. */
  private static byte[][] keys(String password, byte[] salt, int iterations) {
    try {
      byte[] salted = pbkdf2(password.getBytes(StandardCharsets.UTF_8), salt, iterations);
      byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
      byte[] serverKey = hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
      return new byte[][] {storedKey, serverKey};
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  /** PBKDF2-HMAC-SHA-256, first (and only needed) block: U1 = HMAC(P, S || 1), Ui chained. */
  private static byte[] pbkdf2(byte[] password, byte[] salt, int iterations)
      throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    // SecretKeySpec rejects an empty key; HMAC zero-pads keys to the block size, so a single
    // zero byte is the same key as the empty password.
    mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA256"));
    mac.update(salt);
    byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
    byte[] result = u.clone();
    for (int i = 1; i < iterations; i++) {
      u = mac.doFinal(u);
      for (int j = 0; j < result.length; j++) {
        result[j] ^= u[j];
      }
    }
    return result;
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }
}
