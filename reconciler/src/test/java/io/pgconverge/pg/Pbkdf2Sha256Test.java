package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PasswordUtil;

/** The hand-written SHA-256, HMAC and PBKDF2 give the JDK's bytes, and SCRAM verifiers pgjdbc's. */
class Pbkdf2Sha256Test {
  private final Random random = new Random(20261202);

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void sha256IsTheJdksForEveryLengthAroundTheBlockBoundaries() throws Exception {
    for (int len = 0; len <= 200; len++) {
      byte[] m = randomBytes(len);
      assertThat(Pbkdf2Sha256.sha256(m)).as("length %d", len).isEqualTo(MessageDigest.getInstance("SHA-256").digest(m));
    }
  }

  @Test
  void hmacIsTheJdksForShortBlockSizedAndLongKeys() throws Exception {
    for (int keyLen : new int[] {1, 20, 32, 63, 64, 65, 100, 300}) {
      for (int msgLen : new int[] {0, 10, 32, 55, 56, 64, 120}) {
        byte[] key = randomBytes(keyLen);
        byte[] msg = randomBytes(msgLen);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        assertThat(Pbkdf2Sha256.hmac(key, msg)).as("key %d, message %d", keyLen, msgLen).isEqualTo(mac.doFinal(msg));
      }
    }
  }

  @Test
  void pbkdf2IsTheJdksPbkdf2WithHmacSha256() throws Exception {
    SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
    for (int iterations : new int[] {1, 2, 3, 100, 4096}) {
      for (int len : new int[] {1, 8, 64, 65, 90}) {
        String password = printableAscii(len);
        byte[] salt = randomBytes(16);
        byte[] expected = f.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
        assertThat(Pbkdf2Sha256.pbkdf2(password.getBytes(StandardCharsets.US_ASCII), salt, iterations))
            .as("%d iterations, password of %d", iterations, len).isEqualTo(expected);
      }
    }
  }

  @Test
  void aPrintableAsciiPasswordGetsPgjdbcsVerifierAndMatchesIt() {
    for (int i = 0; i < 40; i++) {
      String password = printableAscii(1 + random.nextInt(80));
      byte[] salt = randomBytes(16);
      int iterations = i % 2 == 0 ? 4096 : 1 + random.nextInt(50);
      String pgjdbc = PasswordUtil.encodeScramSha256(password.toCharArray(), iterations, salt);
      assertThat(ScramSha256.verifier(password, salt, iterations)).as("password %s", password).isEqualTo(pgjdbc);
      assertThat(ScramSha256.matches(password, pgjdbc)).isTrue();
      assertThat(ScramSha256.matches(password + "x", pgjdbc)).isFalse();
    }
  }

  @Test
  void onlySpaceToTildeTakesTheShortPath() {
    assertThat(ScramSha256.isPrintableAscii(" azAZ09~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}")).isTrue();
    assertThat(ScramSha256.isPrintableAscii("tab\there")).isFalse();
    assertThat(ScramSha256.isPrintableAscii("del\u007f")).isFalse();
    assertThat(ScramSha256.isPrintableAscii("caf\u00e9")).isFalse();
    assertThat(ScramSha256.isPrintableAscii("soft\u00adhyphen")).isFalse();
  }

  @Test
  void aPasswordWithAControlCharacterStillGetsPgjdbcsVerifier() {
    byte[] salt = randomBytes(16);
    String password = "line\u0001break";
    assertThat(ScramSha256.verifier(password, salt, 4096)).isEqualTo(PasswordUtil.encodeScramSha256(password.toCharArray(), 4096, salt));
  }

  private String printableAscii(int len) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      sb.append((char) (0x20 + random.nextInt(0x7f - 0x20)));
    }
    return sb.toString();
  }
}
