package io.pgconverge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * A throw-away certificate authority and server certificates made with {@code openssl}: one
 * certificate per node whose subjectAltName is that node's IP address, so that a replica
 * connecting with {@code sslmode=verify-full} to the primary's address accepts it. Keys are EC
 * P-256, mode 0600, owned by the postgres user (the server refuses a key others can read).
 */
public final class TestCertificates {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** A server's certificate and key, and the CA that signed it. */
  public record Pair(Path certFile, Path keyFile, Path caFile) {}

  private final Path dir;
  private final Path caCert;
  private final Path caKey;

  private TestCertificates(Path dir) {
    this.dir = dir;
    this.caCert = dir.resolve("ca.crt");
    this.caKey = dir.resolve("ca.key");
  }

  /** Makes {@code dir} and a CA in it. */
  public static TestCertificates authority(Path dir) {
    TestCertificates certs = new TestCertificates(dir);
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      PostgresUser.chown(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make " + dir, e);
    }
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", certs.caKey.toString(), "-out", certs.caCert.toString(),
        "-days", "2", "-subj", "/CN=pgconverge-it-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    certs.publish(certs.caCert);
    return certs;
  }

  public Path caFile() {
    return caCert;
  }

  /** A server certificate for {@code name} valid for {@code ipAddress}. */
  public Pair server(String name, String ipAddress) {
    return issue(name, "/CN=" + name, "subjectAltName=IP:" + ipAddress + "\n", "serverAuth");
  }

  /**
   * A certificate for an etcd member on {@code ipAddress}: etcd's JSON gateway connects to the
   * member's own gRPC server with it, so with client certificate authentication on it must be
   * good for both ends.
   */
  public Pair etcdMember(String name, String ipAddress) {
    return issue(name, "/CN=" + name, "subjectAltName=IP:" + ipAddress + "\n", "serverAuth,clientAuth");
  }

  /** A client certificate whose common name is {@code name} (for servers that ask for one, as etcd can). */
  public Pair client(String name) {
    return issue(name, "/CN=" + name, "", "clientAuth");
  }

  /**
   * A client certificate with no common name, only an organisation {@code name}: etcd's JSON
   * gateway refuses a client certificate with a common name once authentication is on.
   */
  public Pair clientWithoutCommonName(String name) {
    return issue(name, "/O=" + name, "", "clientAuth");
  }

  private Pair issue(String name, String subject, String subjectAltName, String extendedKeyUsage) {
    Path key = dir.resolve(name + ".key");
    Path csr = dir.resolve(name + ".csr");
    Path crt = dir.resolve(name + ".crt");
    Path ext = dir.resolve(name + ".ext");
    try {
      Files.writeString(ext,
          subjectAltName
              + "basicConstraints=CA:FALSE\n"
              + "keyUsage=critical,digitalSignature,keyEncipherment\n"
              + "extendedKeyUsage=" + extendedKeyUsage + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + ext, e);
    }
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key.toString(), "-out", csr.toString(), "-subj", subject);
    openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(),
        "-CAkey", caKey.toString(), "-CAcreateserial", "-out", crt.toString(), "-days", "2",
        "-extfile", ext.toString());
    publish(crt);
    try {
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
      PostgresUser.chown(key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot protect " + key, e);
    }
    return new Pair(crt, key, caCert);
  }

  private void publish(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      PostgresUser.chown(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish " + file, e);
    }
  }

  private static void openssl(String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    Processes.run(argv, TIMEOUT).assertExit(0);
  }
}
