package io.pgconverge.pg;

import java.util.Arrays;

/**
 * SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104) and PBKDF2-HMAC-SHA-256 (RFC 8018), written out
 * for the two places pgconverge needs them in its runs: checking a role's password against the
 * SCRAM verifier the server stores (4096 rounds of HMAC), and, through {@link Pbkdf2Provider},
 * pgjdbc's SCRAM client logging in to a peer.
 *
 * <p>Why not {@code javax.crypto}: a one-shot {@code check} is a fresh JVM, and the first {@code
 * SecretKeyFactory}/{@code Mac} use loads and initialises the JCE provider framework and its policy
 * (tens of milliseconds before the first round), and its HMAC feeds both pads again in every round:
 * four SHA-256 compressions per round where two suffice. Here the inner and outer pad states are
 * computed once, and each round is two compressions of a 32-byte block on int arrays, with no
 * allocation. Pure functions, no state; the results are the standard ones (checked against the
 * JDK's and pgjdbc's in the tests).
 */
final class Pbkdf2Sha256 {
  private static final int[] K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  };
  private static final int[] INITIAL = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  };
  private static final int BLOCK = 64;

  private Pbkdf2Sha256() {}

  /** PBKDF2-HMAC-SHA-256 of {@code password} and {@code salt}, one 32-byte block (dkLen 32). */
  static byte[] pbkdf2(byte[] password, byte[] salt, int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
    }
    int[][] pads = padStates(password);
    byte[] first = Arrays.copyOf(salt, salt.length + 4);
    first[salt.length + 3] = 1; // INT(1): the first (and only) block
    int[] u = bytesToInts(hmac(pads, first));
    int[] result = u.clone();
    int[] w = new int[64];
    int[] inner = new int[8];
    for (int i = 1; i < iterations; i++) {
      // U_i = HMAC(P, U_{i-1}): the inner hash of ipad || U, then the outer of opad || inner,
      // each one block of 32 bytes of message, 0x80 and the length of 96 bytes in bits.
      hashOf32Bytes(pads[0], u, inner, w);
      hashOf32Bytes(pads[1], inner, u, w);
      for (int j = 0; j < 8; j++) {
        result[j] ^= u[j];
      }
    }
    return intsToBytes(result);
  }

  /** HMAC-SHA-256 of {@code message} under {@code key}. */
  static byte[] hmac(byte[] key, byte[] message) {
    return hmac(padStates(key), message);
  }

  /** SHA-256 of {@code message}. */
  static byte[] sha256(byte[] message) {
    return intsToBytes(digest(INITIAL.clone(), message, 0));
  }

  // --------------------------------------------------------------------------------------------

  /** The states after the key's inner pad block and after its outer pad block. */
  private static int[][] padStates(byte[] key) {
    byte[] k = key.length > BLOCK ? sha256(key) : key;
    byte[] ipad = new byte[BLOCK];
    byte[] opad = new byte[BLOCK];
    for (int i = 0; i < BLOCK; i++) {
      byte b = i < k.length ? k[i] : 0;
      ipad[i] = (byte) (b ^ 0x36);
      opad[i] = (byte) (b ^ 0x5c);
    }
    int[] w = new int[64];
    int[] inner = INITIAL.clone();
    compress(inner, ipad, 0, w);
    int[] outer = INITIAL.clone();
    compress(outer, opad, 0, w);
    return new int[][] {inner, outer};
  }

  private static byte[] hmac(int[][] pads, byte[] message) {
    byte[] innerHash = intsToBytes(digest(pads[0].clone(), message, BLOCK));
    return intsToBytes(digest(pads[1].clone(), innerHash, BLOCK));
  }

  /** Finishes a digest whose state has already absorbed {@code prefixBytes} (whole blocks). */
  private static int[] digest(int[] state, byte[] message, long prefixBytes) {
    int[] w = new int[64];
    int whole = message.length / BLOCK * BLOCK;
    for (int off = 0; off < whole; off += BLOCK) {
      compress(state, message, off, w);
    }
    int rest = message.length - whole;
    byte[] tail = new byte[rest + 9 <= BLOCK ? BLOCK : 2 * BLOCK];
    System.arraycopy(message, whole, tail, 0, rest);
    tail[rest] = (byte) 0x80;
    long bits = (prefixBytes + message.length) * 8;
    for (int i = 0; i < 8; i++) {
      tail[tail.length - 1 - i] = (byte) (bits >>> (8 * i));
    }
    for (int off = 0; off < tail.length; off += BLOCK) {
      compress(state, tail, off, w);
    }
    return state;
  }

  /** {@code out} = the hash, from {@code start}, of one 32-byte message block after a 64-byte prefix. */
  private static void hashOf32Bytes(int[] start, int[] message, int[] out, int[] w) {
    System.arraycopy(message, 0, w, 0, 8);
    w[8] = 0x80000000;
    for (int i = 9; i < 15; i++) {
      w[i] = 0;
    }
    w[15] = (BLOCK + 32) * 8;
    System.arraycopy(start, 0, out, 0, 8);
    rounds(out, w);
  }

  private static void compress(int[] state, byte[] block, int off, int[] w) {
    for (int i = 0; i < 16; i++) {
      int p = off + 4 * i;
      w[i] = (block[p] & 0xff) << 24 | (block[p + 1] & 0xff) << 16 | (block[p + 2] & 0xff) << 8 | (block[p + 3] & 0xff);
    }
    rounds(state, w);
  }

  /** The 64 rounds over the message schedule whose first 16 words are in {@code w}; adds into state. */
  private static void rounds(int[] state, int[] w) {
    for (int t = 16; t < 64; t++) {
      int x = w[t - 2];
      int y = w[t - 15];
      int s1 = Integer.rotateRight(x, 17) ^ Integer.rotateRight(x, 19) ^ (x >>> 10);
      int s0 = Integer.rotateRight(y, 7) ^ Integer.rotateRight(y, 18) ^ (y >>> 3);
      w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    int a = state[0];
    int b = state[1];
    int c = state[2];
    int d = state[3];
    int e = state[4];
    int f = state[5];
    int g = state[6];
    int h = state[7];
    for (int t = 0; t < 64; t++) {
      int t1 = h + (Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25))
          + ((e & f) ^ (~e & g)) + K[t] + w[t];
      int t2 = (Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22))
          + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }

  private static int[] bytesToInts(byte[] b) {
    int[] r = new int[b.length / 4];
    for (int i = 0; i < r.length; i++) {
      r[i] = (b[4 * i] & 0xff) << 24 | (b[4 * i + 1] & 0xff) << 16 | (b[4 * i + 2] & 0xff) << 8 | (b[4 * i + 3] & 0xff);
    }
    return r;
  }

  private static byte[] intsToBytes(int[] v) {
    byte[] r = new byte[4 * v.length];
    for (int i = 0; i < v.length; i++) {
      r[4 * i] = (byte) (v[i] >>> 24);
      r[4 * i + 1] = (byte) (v[i] >>> 16);
      r[4 * i + 2] = (byte) (v[i] >>> 8);
      r[4 * i + 3] = (byte) v[i];
    }
    return r;
  }
}
