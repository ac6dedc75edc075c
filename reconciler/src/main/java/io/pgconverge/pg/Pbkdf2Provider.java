package io.pgconverge.pg;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.Security;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.KeySpec;
import java.util.Arrays;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.SecretKeyFactorySpi;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A JCE provider of one algorithm, {@code PBKDF2WithHmacSHA256}, computed by {@link Pbkdf2Sha256},
 * put first in the JVM's list. pgjdbc's SCRAM-SHA-256 client (ongres-scram) derives the salted
 * password of every password login through {@code SecretKeyFactory.getInstance
 * ("PBKDF2WithHmacSHA256")}: a replica's probe of its primary, each pass. In a fresh JVM the
 * JDK's implementation runs its 4096 rounds of HMAC in the interpreter before C1 has compiled
 * them, four SHA-256 compressions a round; this one does two, on code the connection prewarm has
 * compiled. Measured: a replica's {@code check} on an empty host (its first pass, whose probe
 * logs in) 205 → 196 ms, 50 runs each.
 *
 * <p>Only the 256-bit key SCRAM-SHA-256 asks for with a salt is computed here; any other request
 * (another length, no salt, another kind of key spec) and the key-spec conversions go to the JDK's
 * own provider (SunJCE), so a caller gets the JDK's answer for anything this does not cover. The
 * password's characters are encoded as UTF-8, as the JDK's PBKDF2 does. The results equal the
 * JDK's ({@code Pbkdf2ProviderTest}).
 */
public final class Pbkdf2Provider extends Provider {
  private static final long serialVersionUID = 1L;
  static final String NAME = "pgconverge-PBKDF2";
  static final String ALGORITHM = "PBKDF2WithHmacSHA256";

  Pbkdf2Provider() {
    super(NAME, "1.0", ALGORITHM + " (256-bit keys) for the SCRAM-SHA-256 client");
    putService(new Provider.Service(this, "SecretKeyFactory", ALGORITHM, Factory.class.getName(), null, null));
  }

  /** Puts the provider first in the JVM's list, once; later calls change nothing. */
  public static synchronized void install() {
    if (Security.getProvider(NAME) == null) {
      Security.insertProviderAt(new Pbkdf2Provider(), 1);
    }
  }

  /** The factory the JCE instantiates for {@value #ALGORITHM}. */
  public static final class Factory extends SecretKeyFactorySpi {
    @Override
    protected SecretKey engineGenerateSecret(KeySpec keySpec) throws InvalidKeySpecException {
      if (!(keySpec instanceof PBEKeySpec pbe) || pbe.getKeyLength() != 256 || pbe.getSalt() == null || pbe.getIterationCount() < 1) {
        return jdks().generateSecret(keySpec);
      }
      char[] chars = pbe.getPassword();
      ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
      byte[] password = new byte[encoded.remaining()];
      encoded.get(password);
      Arrays.fill(chars, '\0');
      if (encoded.hasArray()) {
        Arrays.fill(encoded.array(), (byte) 0);
      }
      try {
        return new SecretKeySpec(Pbkdf2Sha256.pbkdf2(password, pbe.getSalt(), pbe.getIterationCount()), ALGORITHM);
      } finally {
        Arrays.fill(password, (byte) 0);
      }
    }

    @Override
    protected KeySpec engineGetKeySpec(SecretKey key, Class<?> keySpec) throws InvalidKeySpecException {
      return jdks().getKeySpec(key, keySpec);
    }

    @Override
    protected SecretKey engineTranslateKey(SecretKey key) throws java.security.InvalidKeyException {
      try {
        return SecretKeyFactory.getInstance(ALGORITHM, "SunJCE").translateKey(key);
      } catch (java.security.NoSuchAlgorithmException | java.security.NoSuchProviderException e) {
        throw new java.security.InvalidKeyException("the JDK's " + ALGORITHM + " is not available", e);
      }
    }

    private static SecretKeyFactory jdks() throws InvalidKeySpecException {
      try {
        return SecretKeyFactory.getInstance(ALGORITHM, "SunJCE");
      } catch (java.security.NoSuchAlgorithmException | java.security.NoSuchProviderException e) {
        throw new InvalidKeySpecException("the JDK's " + ALGORITHM + " is not available", e);
      }
    }
  }
}
