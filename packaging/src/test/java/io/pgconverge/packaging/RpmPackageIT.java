package io.pgconverge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The .rpm read with rpm on this Debian host (it cannot be installed here): its metadata, its
 * file list with modes and owners, and its payload unpacked into a temporary directory with its
 * launcher run from there. Has no effect outside that directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RpmPackageIT {
  private final Path rpm = Host.property("pkg.rpm");
  private final String version = System.getProperty("pkg.version");
  private final String release = System.getProperty("pkg.release");
  private Path unpacked;

  @BeforeAll
  void rpmToolsArePresent() throws IOException {
    assertThat(Host.missingCommand("rpm", "rpm2cpio", "cpio"))
        .as("a command the test needs is missing; .ci/run installs it (apt-get install rpm rpm2cpio cpio)")
        .isNull();
    assertThat(rpm).as("the .rpm built by mvn package").exists();
    unpacked = Files.createTempDirectory("pgconverge-rpm-it-");
  }

  @AfterAll
  void removeUnpackedPayload() {
    Host.deleteTree(unpacked);
  }

  @Test
  void metadataNamesTheVersionFromThePomAndRequiresJava17() {
    String info = Host.run("rpm", "-qip", rpm.toString()).ok().output();
    assertThat(info)
        .containsPattern("(?m)^Name\\s*: pgconverge$")
        .containsPattern("(?m)^Version\\s*: " + version.replace(".", "\\.") + "$")
        .containsPattern("(?m)^Release\\s*: " + release + "$")
        .containsPattern("(?m)^Architecture: noarch$");
    assertThat(Host.lines(Host.run("rpm", "-qp", "--requires", rpm.toString()).ok().output()))
        .contains("java-headless >= 1:17", "util-linux");
    assertThat(Host.run("rpm", "-qp", "--recommends", rpm.toString()).ok().output())
        .contains("postgresql-server");
    assertThat(info)
        .as("pgconverge is Apache-2.0; the other terms are the bundled libraries'")
        .containsPattern("(?m)^License\\s*: Apache-2\\.0 AND ")
        .doesNotContain("LicenseRef", "proprietary")
        .as("no URL: the project has no public home page yet, and none is invented")
        .doesNotContainPattern("(?m)^URL\\s*:");
  }

  @Test
  void scriptletsAreSystemdsPresetMacrosExpanded() {
    String scripts = Host.run("rpm", "-qp", "--scripts", rpm.toString()).ok().output();
    String post = section(scripts, "postinstall");
    String preun = section(scripts, "preuninstall");
    String postun = section(scripts, "postuninstall");
    // %systemd_post: the preset on first install only; enabling is the preset's decision.
    assertThat(post).contains("[ $1 -eq 1 ]", "systemctl --no-reload preset pgconverge.service")
        .doesNotContain("systemctl enable");
    // %systemd_preun: disable and stop on erase only, never on upgrade.
    assertThat(preun).contains("[ $1 -eq 0 ]", "systemctl --no-reload disable pgconverge.service",
        "systemctl stop pgconverge.service");
    // %systemd_postun_with_restart: try-restart on upgrade (a stopped daemon stays stopped).
    assertThat(postun).contains("[ $1 -ge 1 ]", "systemctl try-restart pgconverge.service");
    assertThat(scripts).as("every macro was expanded").doesNotContain("%systemd", "%{");
  }

  /** The body of one scriptlet in `rpm --scripts` output. */
  private static String section(String scripts, String name) {
    int start = scripts.indexOf(name + " scriptlet");
    assertThat(start).as("%s scriptlet", name).isNotNegative();
    int end = scripts.indexOf(" scriptlet (using", start + name.length() + 10);
    int lineStart = end < 0 ? scripts.length() : scripts.lastIndexOf('\n', end);
    return scripts.substring(start, lineStart < start ? scripts.length() : lineStart);
  }

  @Test
  void fileListHasTheModesOwnersAndConfigFlagsAnOperatorExpects() {
    Map<String, String> files = new HashMap<>();
    for (String line : Host.lines(Host.run("rpm", "-qlvp", rpm.toString()).ok().output())) {
      String[] f = line.trim().split("\\s+");
      // -rwxr-xr-x 1 root root 2200 Nov 26 08:26 /usr/bin/pgconverge
      files.put(f[f.length - 1], f[0] + " " + f[2] + " " + f[3]);
    }
    assertThat(files)
        .containsEntry("/etc/pgconverge", "drwxr-x--- root postgres")
        .containsEntry("/usr/bin/pgconverge", "-rwxr-xr-x root root")
        .containsEntry("/usr/share/pgconverge/pgconverge.jar", "-rw-r--r-- root root")
        .containsEntry("/usr/lib/systemd/system/pgconverge.service", "-rw-r--r-- root root")
        .containsEntry("/etc/sysconfig/pgconverge", "-rw-r--r-- root root")
        .containsEntry("/usr/share/pgconverge/desired-state.schema.json", "-rw-r--r-- root root")
        .containsEntry("/usr/share/bash-completion/completions/pgconverge", "-rw-r--r-- root root")
        .containsEntry("/usr/share/zsh/site-functions/_pgconverge", "-rw-r--r-- root root")
        .containsEntry("/usr/lib/systemd/system-preset/50-pgconverge.preset", "-rw-r--r-- root root")
        .containsEntry("/usr/share/licenses/pgconverge/LICENSE", "-rw-r--r-- root root")
        .containsKeys("/usr/share/man/man1/pgconverge.1.gz",
            "/usr/share/man/man1/pgconverge-apply.1.gz",
            "/usr/share/doc/pgconverge/copyright",
            "/usr/share/doc/pgconverge/changelog.gz",
            "/usr/share/doc/pgconverge/examples/single-primary.yaml",
            "/usr/share/doc/pgconverge/examples/three-node.yaml")
        .doesNotContainKey("/etc/pgconverge/desired-state.yaml")
        .doesNotContainKey("/lib/systemd/system/pgconverge.service");
    assertThat(files.keySet()).filteredOn(p -> p.startsWith("/usr/share/pgconverge/lib/")).isNotEmpty();

    // %config(noreplace): flags "c" (config) and "n" (noreplace).
    String flags = Host.run("rpm", "-qp", "--queryformat", "[%{FILENAMES} %{FILEFLAGS:fflags}\\n]",
        rpm.toString()).ok().output();
    assertThat(flags).containsPattern("(?m)^/etc/sysconfig/pgconverge c\\S*n");
    assertThat(flags).as("%%license").containsPattern("(?m)^/usr/share/licenses/pgconverge/LICENSE l");
  }

  @Test
  void unpackedPayloadsLauncherRunsItsJar() throws IOException {
    Host.run(unpacked, Map.of(), 60, "sh", "-ec",
        "rpm2cpio \"$0\" | cpio -idm --quiet", rpm.toString()).ok();
    Path launcher = unpacked.resolve("usr/bin/pgconverge");
    assertThat(launcher).isExecutable();
    Map<String, String> env = Map.of("PGCONVERGE_HOME", unpacked.resolve("usr/share/pgconverge").toString());
    assertThat(Host.run(null, env, 60, launcher.toString(), "--version").ok().output())
        .contains("pgconverge " + System.getProperty("jar.version"));
    assertThat(Files.readString(unpacked.resolve("usr/lib/systemd/system-preset/50-pgconverge.preset")))
        .containsPattern("(?m)^enable pgconverge\\.service$");
    assertThat(Files.readString(unpacked.resolve("usr/share/licenses/pgconverge/LICENSE")))
        .contains("Apache License", "Version 2.0, January 2004", "END OF TERMS AND CONDITIONS");
    for (String example : List.of("single-primary.yaml", "three-node.yaml")) {
      Host.validateAsNode1(launcher.toString(),
          unpacked.resolve("usr/share/doc/pgconverge/examples/" + example), env).ok();
    }
  }
}
