package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The stored values were produced by a real PostgreSQL 15 server: {@code CREATE ROLE … PASSWORD
 * '…'} with {@code password_encryption = 'scram-sha-256'}, read back from {@code pg_authid}.
 */
class PasswordsTest {
  static final String REAL_SCRAM =
      "SCRAM-SHA-256$4096:oS0Hgu3QFNKjEOBuw4h5VQ==$7iix1a0iug6RUG+ofkh1cpBPEI4a+BokIipn7d1xkds="
          + ":TNmeO6m+V8h79OKTDipeYfsMBv+T1Z3jV9NVGzrNMHI=";
  /** The server's verifiers for passwords that SASLprep changes (or not), keyed by the password. */
  static final java.util.Map<String, String> REAL_SASLPREP = java.util.Map.of(
      // U+2163 ROMAN NUMERAL FOUR: NFKC makes it "IV"
      "pa\u00dfwort\u2163",
      "SCRAM-SHA-256$4096:AoWwhYh5E/rWVqpzzaVRSQ==$Atg23805gMDUWDARVkQCl7JA4kHmTlOFb7wvwXvGqdE=:4xh6GCd3uyZ0nQcLXl5pQfzLU7ZOtOq5Qvu+0zJyH0M=",
      // U+00A0 NO-BREAK SPACE: mapped to a space
      "pass\u00a0word",
      "SCRAM-SHA-256$4096:5FbbdoRK4ajkfa3wo+eQnQ==$EJscDiv5iTJ2TAaCVwkgBBz/tZ7dMrVCBCQSYCuDOAc=:6LUTkVoCwYJghQCmDDDPQ2+i5kNnPbUl4OmM5ST3D1M=",
      // U+00AD SOFT HYPHEN: mapped to nothing
      "soft\u00adhyphen",
      "SCRAM-SHA-256$4096:7xiKUrT29RknyaMZdDsCvg==$CthHq+ydIHuo4HPcPL2Rxlh15lhmJP+s7gntvRSubz8=:5pYZvZem3H+gnPNK1ZwmST7kAFAWsGo6wfn/TsWSor8=",
      // non-ASCII that SASLprep leaves as it is
      "gr\u00fc\u00dfe",
      "SCRAM-SHA-256$4096:KcHAgLxFNxD7qc+xCtNWLQ==$Dlw1xZeIODWXv+7nvWrrjvPnJbxO+vKF9vSlPt3HdsA=:FA+haFuFj4d4VE+j5triIUBDJ/4e2g2k2e2qpMiE93s=");
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
  void reproducesTheServersVerifierForPasswordsThatSaslprepNormalises() {
    REAL_SASLPREP.forEach((password, real) -> {
      byte[] salt = Base64.getDecoder().decode(real.split("[:$]")[2]);
      assertThat(ScramSha256.verifier(password, salt, 4096)).as(password).isEqualTo(real);
      assertThat(ScramSha256.matches(password, real)).as(password).isTrue();
      assertThat(PasswordVerifiers.matches(password, "v", real)).as(password).isTrue();
    });
  }

  /** What psql sends for these passwords is their SASLprep form, so that form matches too; the raw UTF-8 bytes would not. */
  @Test
  void treatsAPasswordAndItsSaslprepFormAsTheSamePassword() {
    assertThat(ScramSha256.matches("pa\u00dfwortIV", REAL_SASLPREP.get("pa\u00dfwort\u2163"))).isTrue();
    assertThat(ScramSha256.matches("pass word", REAL_SASLPREP.get("pass\u00a0word"))).isTrue();
    assertThat(ScramSha256.matches("softhyphen", REAL_SASLPREP.get("soft\u00adhyphen"))).isTrue();
    assertThat(ScramSha256.matches("pa\u00dfwortiv", REAL_SASLPREP.get("pa\u00dfwort\u2163"))).as("no case folding").isFalse();
    assertThat(ScramSha256.matches("grusse", REAL_SASLPREP.get("gr\u00fc\u00dfe"))).isFalse();
  }

  @Test
  void givesTheEmptyPasswordNoVerifierAndNeverMatchesIt() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> ScramSha256.newVerifier(""));
    assertThat(ScramSha256.matches("", REAL_SCRAM)).isFalse();
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
