package io.pgconverge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit both packages ship: it passes {@code systemd-analyze verify} and keeps the
 * promises operators rely on. (DebPackageIT verifies it once more as installed.)
 */
class UnitFileIT {
  private final Path unit = Host.property("pkg.unit");

  @Test
  void passesSystemdAnalyzeVerify(@TempDir Path dir) throws IOException {
    assertThat(Host.missingCommand("systemd-analyze"))
        .as("systemd-analyze is missing; .ci/run installs it (apt-get install systemd)")
        .isNull();
    // Before installation /usr/bin/pgconverge and the man page do not exist: verify a copy whose
    // ExecStart is an existing executable, without the man: lookup.
    Path copy = dir.resolve("pgconverge.service");
    Files.writeString(copy, Files.readString(unit)
        .replace("ExecStart=/usr/bin/pgconverge ", "ExecStart=/bin/true "));
    Host.Result r = Host.run("systemd-analyze", "verify", "--man=no", copy.toString());
    assertThat(r.output()).isBlank();
    r.ok();
  }

  @Test
  void runsTheDaemonAsPostgresAndNeverStopsPostgresql() throws IOException {
    String text = Files.readString(unit);
    assertThat(text)
        .containsPattern("(?m)^User=postgres$")
        .containsPattern("(?m)^ExecStart=/usr/bin/pgconverge daemon\\b")
        .containsPattern("(?m)^ExecReload=/bin/kill -HUP \\$MAINPID$")
        .containsPattern("(?m)^Restart=on-failure$")
        .containsPattern("(?m)^RuntimeDirectory=pgconverge$")
        .containsPattern("(?m)^ConditionPathExists=/etc/pgconverge/desired-state.yaml$")
        // only the JVM is signalled on stop: the postmaster it started stays up
        .containsPattern("(?m)^KillMode=process$")
        .containsPattern("(?m)^NoNewPrivileges=yes$")
        .containsPattern("(?m)^ProtectSystem=")
        .containsPattern("(?m)^ProtectHome=yes$")
        // a private /tmp would hide a server socket in /tmp from its clients
        .doesNotContainPattern("(?m)^PrivateTmp=(yes|true)$")
        .containsPattern("(?m)^WantedBy=multi-user.target$");
  }
}
