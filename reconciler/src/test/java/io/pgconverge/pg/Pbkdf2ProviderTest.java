package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.Security;
import java.util.Random;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.shaded.com.ongres.scram.common.ScramFunctions;
import org.postgresql.shaded.com.ongres.scram.common.ScramMechanism;
import org.postgresql.shaded.com.ongres.scram.common.StringPreparation;

/**
 * Installed, the provider answers pgjdbc's SCRAM client's lookup of PBKDF2WithHmacSHA256 and gives
 * the JDK's bytes for every password, ASCII or not; what it does not compute itself, the JDK does.
 */
class Pbkdf2ProviderTest {
  private final Random random = new Random(20261204);

  @AfterEach
  void removeTheProvider() {
    Security.removeProvider(Pbkdf2Provider.NAME);
  }

  private static SecretKeyFactory jdks() throws Exception {
    return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256", "SunJCE");
  }

  private byte[] salt() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return b;
  }

  /** A password of {@code len} code points drawn from ASCII, Latin-1, CJK and emoji (outside the BMP). */
  private String mixed(int len) {
    int[] pool = {'a', 'Z', '7', ' ', '~', 0xe9, 0xdf, 0x4e2d, 0x6587, 0x1f600, 0x1f418};
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < len; i++) {
      b.appendCodePoint(pool[random.nextInt(pool.length)]);
    }
    return b.toString();
  }

  @Test
  void onceInstalledItIsWhatTheLookupByNameFindsAndASecondInstallAddsNothing() {
    Pbkdf2Provider.install();
    Pbkdf2Provider.install();

    assertThat(Security.getProviders()[0].getName()).isEqualTo(Pbkdf2Provider.NAME);
    assertThat(java.util.Arrays.stream(Security.getProviders()).filter(p -> p.getName().equals(Pbkdf2Provider.NAME))).hasSize(1);
    assertThat(ofLookup().getProvider().getName()).isEqualTo(Pbkdf2Provider.NAME);
  }

  private static SecretKeyFactory ofLookup() {
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void itsKeysAreTheJdksForAsciiAndNonAsciiPasswordsAndAnyRoundCount() throws Exception {
    Pbkdf2Provider.install();
    SecretKeyFactory ours = ofLookup();
    for (int iterations : new int[] {1, 2, 17, 4096}) {
      for (int len : new int[] {0, 1, 12, 64, 65, 100}) {
        String password = mixed(len);
        byte[] salt = salt();
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
        assertThat(ours.generateSecret(spec).getEncoded()).as("%d rounds, %s", iterations, password)
            .isEqualTo(jdks().generateSecret(spec).getEncoded());
      }
    }
  }

  @Test
  void aKeyOfAnotherLengthIsTheJdksToo() throws Exception {
    Pbkdf2Provider.install();
    PBEKeySpec spec = new PBEKeySpec("long key".toCharArray(), salt(), 100, 512);

    byte[] key = ofLookup().generateSecret(spec).getEncoded();

    assertThat(key).hasSize(64).isEqualTo(jdks().generateSecret(spec).getEncoded());
  }

  @Test
  void pgjdbcsScramClientDerivesTheSameSaltedPasswordThroughIt() throws Exception {
    String password = "r3plicat\u00f6r-" + mixed(20);
    byte[] salt = salt();
    byte[] before = ScramFunctions.saltedPassword(ScramMechanism.SCRAM_SHA_256, StringPreparation.POSTGRESQL_PREPARATION,
        password.toCharArray(), salt, 4096);

    Pbkdf2Provider.install();
    byte[] after = ScramFunctions.saltedPassword(ScramMechanism.SCRAM_SHA_256, StringPreparation.POSTGRESQL_PREPARATION,
        password.toCharArray(), salt, 4096);

    assertThat(after).isEqualTo(before);
  }
}
