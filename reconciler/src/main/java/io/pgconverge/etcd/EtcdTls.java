package io.pgconverge.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Builds the TLS context for etcd from PEM files; reads those files, nothing else. */
final class EtcdTls {
  private EtcdTls() {}

  static SSLContext context(EtcdSettings.Tls tls) throws IOException {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate c : certificates(cf, tls.caFile())) {
        trust.setCertificateEntry("ca" + i++, c);
      }
      if (i == 0) {
        throw new IOException(tls.caFile() + ": no certificate found");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (tls.certFile().isPresent() != tls.keyFile().isPresent()) {
        throw new IOException("etcd TLS: a client certificate needs its key and a key needs its certificate");
      }
      if (tls.certFile().isPresent()) {
        char[] none = new char[0];
        KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
        keys.load(null, null);
        keys.setKeyEntry("client", privateKey(tls.keyFile().get()), none,
            certificates(cf, tls.certFile().get()).toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, none);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("etcd TLS: " + e.getClass().getSimpleName(), e);
    }
  }

  private static Collection<? extends Certificate> certificates(CertificateFactory cf, Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      return cf.generateCertificates(in);
    }
  }

  /** A PKCS#8 PEM key ("BEGIN PRIVATE KEY"), RSA or EC; the key's bytes never reach a message. */
  private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file);
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IOException(file + ": not a PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with "
          + "openssl pkcs8 -topk8 -nocrypt");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException tryNext) {
        // the next algorithm
      }
    }
    throw new IOException(file + ": key is neither RSA, EC nor Ed25519");
  }
}
