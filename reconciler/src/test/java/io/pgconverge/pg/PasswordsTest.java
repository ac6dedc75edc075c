package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The stored values were produced by a real PostgreSQL 15 server for the password "secret". */
class PasswordsTest {
  static final String REAL_SCRAM =
      "SCRAM-SHA-256$4096:oS0Hgu3QFNKjEOBuw4h5VQ==$7iix1a0iug6RUG+ofkh1cpBPEI4a+BokIipn7d1xkds="
          + ":TNmeO6m+V8h79OKTDipeYfsMBv+T1Z3jV9NVGzrNMHI=";
  /** role "u". */
  static final String REAL_MD5 = "md514ac701963725e89bfe34a2219d114a2";

  @Test
  void reproducesTheServersScramVerifierFromTheSameSalt() {
    byte[] salt = Base64.getDecoder().decode("oS0Hgu3QFNKjEOBuw4h5VQ==");
    assertThat(ScramSha256.verifier("secret", salt, 4096)).isEqualTo(REAL_SCRAM);
  }

  /** The cloned-pad PBKDF2 gives the JDK's PBKDF2WithHmacSHA256 bytes, short and long (> 64 bytes) passwords alike. */
  @Test
  void saltedPasswordIsTheJdksPbkdf2ForAnyPasswordLength() throws Exception {
    byte[] salt = Base64.getDecoder().decode("oS0Hgu3QFNKjEOBuw4h5VQ==");
    javax.crypto.SecretKeyFactory f = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
    for (int len : new int[] {1, 6, 31, 63, 64, 65, 100, 200}) {
      String pw = "pw-é".repeat(len).substring(0, len);
      byte[] salted = f.generateSecret(new javax.crypto.spec.PBEKeySpec(pw.toCharArray(), salt, 17, 256)).getEncoded();
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(salted, "HmacSHA256"));
      byte[] clientKey = mac.doFinal("Client Key".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] storedKey = java.security.MessageDigest.getInstance("SHA-256").digest(clientKey);
      byte[] serverKey = mac.doFinal("Server Key".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      Base64.Encoder b64 = Base64.getEncoder();
      assertThat(ScramSha256.verifier(pw, salt, 17)).as("length %d", len)
          .isEqualTo("SCRAM-SHA-256$17:" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey));
    }
  }

  @Test
  void matchesTheServersScramVerifierOnlyWithTheRightPassword() {
    assertThat(ScramSha256.matches("secret", REAL_SCRAM)).isTrue();
    assertThat(ScramSha256.matches("Secret", REAL_SCRAM)).isFalse();
  }

  @Test
  void makesAFreshSaltEachTimeWithFourThousandNinetySixIterations() {
    String a = ScramSha256.newVerifier("pw");
    String b = ScramSha256.newVerifier("pw");
    assertThat(a).startsWith("SCRAM-SHA-256$4096:").isNotEqualTo(b);
    assertThat(Base64.getDecoder().decode(a.split("[:$]")[2])).hasSize(16);
    assertThat(ScramSha256.matches("pw", a)).isTrue();
    assertThat(ScramSha256.matches("pw", b)).isTrue();
  }

  @Test
  void handlesAnEmptyPassword() {
    String v = ScramSha256.newVerifier("");
    assertThat(ScramSha256.matches("", v)).isTrue();
    assertThat(ScramSha256.matches("x", v)).isFalse();
  }

  @Test
  void refusesMalformedScramVerifiers() {
    assertThat(ScramSha256.matches("secret", "SCRAM-SHA-256$x:y$z")).isFalse();
    assertThat(ScramSha256.matches("secret", "SCRAM-SHA-256$4096:!!$a:b")).isFalse();
    assertThat(ScramSha256.matches("secret", "SCRAM-SHA-256$0:AAAA$AAAA:AAAA")).isFalse();
    assertThat(ScramSha256.matches("secret", null)).isFalse();
  }

  @Test
  void matchesTheServersMd5PasswordForTheSameUserOnly() {
    assertThat(Md5Password.matches("secret", "u", REAL_MD5)).isTrue();
    assertThat(Md5Password.matches("Secret", "u", REAL_MD5)).isFalse();
    assertThat(Md5Password.matches("secret", "t", REAL_MD5)).isFalse();
    assertThat(Md5Password.hash("secret", "u")).isEqualTo(REAL_MD5);
    assertThat(Md5Password.matches("secret", "u", "md5short")).isFalse();
  }

  @Test
  void dispatchesOnTheStoredPrefix() {
    assertThat(PasswordVerifiers.matches("secret", "t", REAL_SCRAM)).isTrue();
    assertThat(PasswordVerifiers.matches("secret", "u", REAL_MD5)).isTrue();
    assertThat(PasswordVerifiers.matches("wrong", "u", REAL_MD5)).isFalse();
  }

  @Test
  void neverMatchesNullClearTextOrUnknownFormats() {
    assertThat(PasswordVerifiers.matches("secret", "u", null)).isFalse();
    assertThat(PasswordVerifiers.matches(null, "u", REAL_MD5)).isFalse();
    assertThat(PasswordVerifiers.matches("secret", "u", "secret")).isFalse();
    assertThat(PasswordVerifiers.matches("secret", "u", "SCRAM-SHA-1$x")).isFalse();
  }
}
