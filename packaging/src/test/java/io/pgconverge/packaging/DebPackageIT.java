package io.pgconverge.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The .deb on this Debian host, in the order an operator meets it: lintian, {@code dpkg -i},
 * the command and a real {@code apply} (a PostgreSQL server in a temporary directory on a free
 * port), an upgrade to a higher version with a pushed desired state, and {@code dpkg --purge}.
 *
 * <p>Changes this host: installs and purges the package, writes /etc/pgconverge. Refuses to run
 * when pgconverge is already installed or a desired state is already there; {@link #cleanUp}
 * puts the host back even when a step failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebPackageIT {
  private static final Path ETC = Path.of("/etc/pgconverge");
  private static final Path PUSHED = ETC.resolve("desired-state.yaml");
  private static final Path PUSHED_PASSWORD = ETC.resolve("replicator.password");
  private static final Path DEFAULTS = Path.of("/etc/default/pgconverge");
  static final Path CDS = Path.of("/var/cache/pgconverge/pgconverge.jsa");
  private static final String PG_BIN = "/usr/lib/postgresql/15/bin";
  private static final Path EXAMPLES = Path.of("/usr/share/doc/pgconverge/examples");

  private final Path deb = Host.property("pkg.deb");
  private final String version = System.getProperty("pkg.version");
  private final String jarVersion = System.getProperty("jar.version");
  private boolean etcExisted;
  private boolean pushed;
  private Path tmp;
  private Path data;
  private Path desired;
  private String dataBeforePurge;

  @BeforeAll
  void refuseToClobberThisHost() throws IOException {
    assumeTrue(Host.isRoot(), "installing a .deb needs root (CI runs as root)");
    assertThat(Host.missingCommand("lintian", "dpkg-deb", "runuser"))
        .as("a command the test needs is missing; .ci/run installs it (apt-get install lintian)")
        .isNull();
    assertThat(Path.of(PG_BIN, "initdb")).as("PostgreSQL 15 server binaries").exists();
    assertThat(Host.debInstalled("pgconverge"))
        .as("pgconverge is already installed here; this test will not replace it")
        .isFalse();
    assertThat(PUSHED).as("a desired state is already on this host; not touching it").doesNotExist();
    etcExisted = Files.exists(ETC);
    assertThat(deb).as("the .deb built by mvn package").exists();

    tmp = Files.createTempDirectory(Path.of("/tmp"), "pgconverge-deb-it-");
    Host.run("chmod", "0755", tmp.toString()).ok();
    Host.run("chown", "postgres:postgres", tmp.toString()).ok();
    data = tmp.resolve("data");
  }

  @AfterAll
  void cleanUp() {
    if (tmp == null) {
      return;
    }
    if (data != null && Files.exists(data.resolve("postmaster.pid"))) {
      Host.run("runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D", data.toString(),
          "-m", "immediate", "-w", "stop");
    }
    if (Host.debInstalled("pgconverge")) {
      Host.run("dpkg", "--purge", "pgconverge");
    }
    if (pushed) {
      Host.run("rm", "-f", PUSHED.toString(), PUSHED_PASSWORD.toString());
    }
    if (!etcExisted) {
      Host.run("rmdir", "--ignore-fail-on-non-empty", ETC.toString());
    }
    Host.deleteTree(tmp);
  }

  @Test
  @Order(1)
  void lintianFindsNoErrors() {
    Host.Result r =
        Host.run(null, Map.of(), 180, "lintian", "--fail-on", "error", "--tag-display-limit", "0",
            deb.toString());
    System.out.println("lintian " + deb.getFileName() + ":\n" + r.output());
    r.ok();
    assertThat(r.output()).doesNotContainPattern("(?m)^E: ");
  }

  @Test
  @Order(2)
  void installsTheCommandTheUnitAndAConfigDirectoryThePostgresUserCanRead() throws IOException {
    Host.run("dpkg", "-i", deb.toString()).ok();

    assertThat(Host.run("pgconverge", "--version").ok().output()).contains("pgconverge " + jarVersion);
    assertThat(mode("/usr/bin/pgconverge")).isEqualTo("755 root root");
    assertThat(mode(CDS.toString())).as("the class-data archive the postinst made").isEqualTo("644 root root");
    assertThat(Host.run("runuser", "-u", "postgres", "--", "pgconverge", "--version").ok().output())
        .as("the postgres user starts with the archive").contains("pgconverge " + jarVersion);
    if (!etcExisted) {
      assertThat(mode(ETC.toString())).isEqualTo("750 root postgres");
    }
    assertThat(Host.run("runuser", "-u", "postgres", "--", "test", "-r", ETC.toString()).exit())
        .as("the postgres user (the unit's User=) can read /etc/pgconverge")
        .isZero();

    // Every jar the manifest's Class-Path names is in lib/, and nothing else is.
    Path home = Path.of("/usr/share/pgconverge");
    List<String> classPath;
    try (JarFile jar = new JarFile(home.resolve("pgconverge.jar").toFile())) {
      classPath = List.of(jar.getManifest().getMainAttributes().getValue("Class-Path").split(" "));
    }
    List<String> shipped = new ArrayList<>();
    try (Stream<Path> s = Files.list(home.resolve("lib"))) {
      s.forEach(p -> shipped.add("lib/" + p.getFileName()));
    }
    assertThat(shipped).containsExactlyInAnyOrderElementsOf(classPath);
    assertThat(home.resolve("desired-state.schema.json")).exists();
    assertThat(Path.of("/usr/share/man/man1/pgconverge.1.gz")).exists();
    assertThat(Path.of("/usr/share/man/man1/pgconverge-apply.1.gz")).exists();
    assertThat(Host.run("man", "-w", "pgconverge-status").ok().output().trim())
        .isEqualTo("/usr/share/man/man1/pgconverge-status.1.gz");
    assertThat(mode("/usr/share/bash-completion/completions/pgconverge")).isEqualTo("644 root root");
    assertThat(mode("/usr/share/zsh/vendor-completions/_pgconverge")).isEqualTo("644 root root");
    assertThat(Path.of("/usr/share/doc/pgconverge/changelog.gz")).exists();
    // Machine-readable copyright (DEP-5): pgconverge itself is Apache-2.0, no reserved rights.
    String copyright = Files.readString(Path.of("/usr/share/doc/pgconverge/copyright"));
    assertThat(copyright)
        .startsWith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
        .contains("\nFiles: *\nCopyright: 2026 pgconverge developers\nLicense: Apache-2.0\n")
        .containsPattern("(?m)^License: Apache-2.0\\n Licensed under the Apache License")
        .contains("/usr/share/common-licenses/Apache-2.0")
        .doesNotContain("All rights reserved", "No licence");
    String control = Host.run("dpkg-query", "-W", "-f=${Maintainer}", "pgconverge").ok().output();
    assertThat(control).as("the project team, from packaging/pom.xml's pkg.maintainer")
        .isEqualTo(System.getProperty("pkg.maintainer")).startsWith("pgconverge developers <");

    String conffiles = Host.run("dpkg-query", "-W", "-f=${Conffiles}", "pgconverge").ok().output();
    assertThat(conffiles).contains("/etc/default/pgconverge");
    assertThat(Host.run("dpkg", "-L", "pgconverge").ok().output())
        .as("the package never ships a desired state")
        .doesNotContain("desired-state.yaml");
    assertThat(PUSHED).doesNotExist();

    assertThat(Path.of("/etc/systemd/system/multi-user.target.wants/pgconverge.service"))
        .as("installing enabled the unit")
        .isSymbolicLink();
    // Installed, the unit's ExecStart and its man: documentation both resolve.
    Host.run("systemd-analyze", "verify", "/lib/systemd/system/pgconverge.service").ok();
  }

  @Test
  @Order(3)
  void validatesEveryShippedExample() throws IOException {
    List<String> repoExamples;
    try (Stream<Path> s = Files.list(Host.property("pkg.examples"))) {
      repoExamples = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).toList();
    }
    List<String> installed;
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      installed = s.map(p -> p.getFileName().toString()).toList();
    }
    assertThat(installed).containsExactlyInAnyOrderElementsOf(repoExamples).isNotEmpty();
    for (String name : installed) {
      Host.validateAsNode1("pgconverge", EXAMPLES.resolve(name), Map.of()).ok();
      assertThat(Files.readAllLines(EXAMPLES.resolve(name)).get(0))
          .as("%s names the installed schema for editors", name)
          .isEqualTo("# yaml-language-server: $schema=/usr/share/pgconverge/desired-state.schema.json");
    }
    assertThat(Path.of("/usr/share/pgconverge/desired-state.schema.json")).isRegularFile();
  }

  @Test
  @Order(4)
  void appliesADesiredStateAsThePostgresUserAndTheServerServes() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String example = Files.readString(EXAMPLES.resolve("single-primary.yaml"));
    assertThat(example).contains("/tmp/pgconverge-example", "54320");
    String state = example.replace("/tmp/pgconverge-example", tmp.toString())
        .replace("54320", Integer.toString(port));
    desired = tmp.resolve("desired-state.yaml");
    Files.writeString(desired, state);
    for (String pw : List.of("replicator", "app")) {
      Path f = tmp.resolve(pw + ".password");
      Files.writeString(f, "it-" + pw + "-" + System.nanoTime() + "\n");
      Host.run("chown", "postgres:postgres", f.toString()).ok();
      Host.run("chmod", "0600", f.toString()).ok();
    }

    Host.Result apply =
        Host.run(null, Map.of(), 180, "pgconverge", "apply", "--config", desired.toString());
    System.out.println("pgconverge apply:\n" + apply.output());
    apply.expectExit(2);

    String answer = Host.run("runuser", "-u", "postgres", "--", PG_BIN + "/psql", "-h",
        tmp.toString(), "-p", Integer.toString(port), "-d", "postgres", "-Atc",
        "select current_setting('cluster_name'),"
            + " (select count(*) from pg_roles where rolname in ('replicator', 'app'))")
        .ok().output().trim();
    assertThat(answer).isEqualTo("example|2");
    assertThat(mode(data.toString())).isEqualTo("700 postgres postgres");

    Host.run("runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D", data.toString(),
        "-m", "fast", "-w", "stop").ok();
  }

  @Test
  @Order(5)
  void upgradeToAHigherVersionKeepsThePushedDesiredStateAndEditedDefaults() throws IOException {
    // Config management pushes a desired state and a password file; the operator edits defaults.
    byte[] desiredBytes = ("# pushed by config management\n" + Files.readString(desired))
        .getBytes(StandardCharsets.UTF_8);
    pushed = true;
    Files.write(PUSHED, desiredBytes);
    Files.writeString(PUSHED_PASSWORD, "s3cret-from-config-management\n");
    for (Path f : List.of(PUSHED, PUSHED_PASSWORD)) {
      Host.run("chown", "root:postgres", f.toString()).ok();
      Host.run("chmod", "0640", f.toString()).ok();
    }
    Files.writeString(DEFAULTS, Files.readString(DEFAULTS) + "JAVA_OPTS=\"-Xmx128m\"\n");
    byte[] defaultsBytes = Files.readAllBytes(DEFAULTS);

    // The same package rebuilt by jdeb at a higher version (packaging/pom.xml, deb-upgrade-test).
    Path upgrade = Host.property("pkg.deb.upgrade");
    String higher = version + "+it1";
    assertThat(Host.run("dpkg", "--compare-versions", higher, "gt", version).exit()).isZero();
    Host.run("dpkg", "-i", upgrade.toString()).ok();

    assertThat(Host.run("dpkg-query", "-W", "-f=${Version}", "pgconverge").ok().output())
        .isEqualTo(higher);
    assertThat(Files.readAllBytes(PUSHED)).isEqualTo(desiredBytes);
    assertThat(Files.readString(PUSHED_PASSWORD)).isEqualTo("s3cret-from-config-management\n");
    assertThat(mode(PUSHED.toString())).isEqualTo("640 root postgres");
    assertThat(Files.readAllBytes(DEFAULTS)).as("a conffile the operator edited").isEqualTo(defaultsBytes);
    if (!etcExisted) {
      assertThat(mode(ETC.toString())).isEqualTo("750 root postgres");
    }
    Host.run("pgconverge", "validate", PUSHED.toString()).ok();
    assertThat(Path.of("/etc/systemd/system/multi-user.target.wants/pgconverge.service")).isSymbolicLink();
  }

  @Test
  @Order(6)
  void purgeRemovesWhatThePackageMadeAndNothingElse() throws IOException {
    List<String> owned = Host.lines(Host.run("dpkg", "-L", "pgconverge").ok().output());
    byte[] desiredBytes = Files.readAllBytes(PUSHED);
    dataBeforePurge = snapshot(data);

    Host.run("dpkg", "--purge", "pgconverge").ok();

    assertThat(Host.debInstalled("pgconverge")).isFalse();
    for (String path : owned) {
      Path p = Path.of(path);
      if (path.equals("/.")) {
        continue;
      }
      if (Files.isDirectory(p) && Host.run("dpkg", "-S", path).exit() == 0) {
        continue; // a directory another package also owns (/usr/bin, /lib/systemd/system, ...)
      }
      assertThat(p).as("left behind by the purge").doesNotExist();
    }
    assertThat(DEFAULTS).doesNotExist();
    assertThat(CDS.getParent()).as("the class-data archive's directory").doesNotExist();
    assertThat(Path.of("/etc/systemd/system/multi-user.target.wants/pgconverge.service"))
        .doesNotExist();
    assertThat(Path.of("/etc/systemd/system/pgconverge.service")).as("mask").doesNotExist();
    assertThat(Host.sh("find /etc/systemd /var/lib/systemd -name '*pgconverge*'").ok().output())
        .isBlank();

    assertThat(Files.readAllBytes(PUSHED)).as("the pushed desired state").isEqualTo(desiredBytes);
    assertThat(PUSHED_PASSWORD).exists();
    assertThat(snapshot(data)).as("the data directory").isEqualTo(dataBeforePurge);

    // The test removes what it pushed; with /etc/pgconverge empty, a purge removes it too.
    Host.run("rm", "-f", PUSHED.toString(), PUSHED_PASSWORD.toString()).ok();
    pushed = false;
    if (!etcExisted) {
      Host.run("dpkg", "-i", deb.toString()).ok();
      assertThat(ETC).isDirectory();
      Host.run("dpkg", "--purge", "pgconverge").ok();
      assertThat(ETC).as("an empty /etc/pgconverge goes with the purge").doesNotExist();
    }
  }

  private static String mode(String path) {
    return Host.run("stat", "-c", "%a %U %G", path).ok().output().trim();
  }

  /** Path, size, mtime, mode and owner of everything under dir; has no side effects. */
  private static String snapshot(Path dir) {
    String listing = Host.run(dir, Map.of(), 60, "sh", "-c",
        "find . -printf '%P %s %T@ %m %u\\n' | sort").ok().output();
    assertThat(listing).as("listing of %s", dir).contains("PG_VERSION");
    return listing;
  }
}
