package io.pgconverge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Installs the packages on the distributions they are for, where a Docker engine exists: the
 * .deb on Debian 12 with apt, the .rpm on Rocky Linux 9 with dnf, then runs {@code pgconverge
 * validate} on the shipped examples. Without Docker, JUnit reports these tests as skipped.
 */
@ExtendWith(ContainerPackagesIT.SayWhenSkipped.class)
@Testcontainers(disabledWithoutDocker = true)
class ContainerPackagesIT {

  /** Prints one line on the console when these tests skip; decides nothing itself. */
  static final class SayWhenSkipped implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      if (context.getTestMethod().isEmpty() && !DockerClientFactory.instance().isDockerAvailable()) {
        System.out.println("ContainerPackagesIT: SKIPPED, no Docker engine on this machine: the .deb"
            + " on debian:12 and the .rpm on rockylinux:9 were not installed here");
      }
      return ConditionEvaluationResult.enabled("the decision is @Testcontainers'");
    }
  }

  @Test
  void debInstallsWithAptOnDebian12AndValidatesTheExamples() throws Exception {
    assertInstallsAndValidates("debian:12", Host.property("pkg.deb"),
        "apt-get update -q && apt-get install -y -q --no-install-recommends /tmp/%s");
  }

  @Test
  void rpmInstallsWithDnfOnRockyLinux9AndValidatesTheExamples() throws Exception {
    assertInstallsAndValidates("rockylinux:9", Host.property("pkg.rpm"),
        "dnf install -y -q /tmp/%s");
  }

  private static void assertInstallsAndValidates(String image, Path pkg, String install)
      throws Exception {
    String name = pkg.getFileName().toString();
    try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
        .withCommand("sleep", "infinity")
        // the three-node example names no self: it is valid on a host named like a peer
        .withCreateContainerCmdModifier(cmd -> cmd.withHostName("node1"))
        .withCopyFileToContainer(MountableFile.forHostPath(pkg), "/tmp/" + name)) {
      c.start();
      ExecResult installed = c.execInContainer("sh", "-ec", String.format(install, name));
      assertThat(installed.getExitCode()).as(installed.getStdout() + installed.getStderr()).isZero();
      ExecResult valid = c.execInContainer("sh", "-ec",
          "pgconverge --version && pgconverge validate /usr/share/doc/pgconverge/examples/*.yaml"
              + " && test \"$(stat -c %a /etc/pgconverge)\" = 750");
      assertThat(valid.getExitCode()).as(valid.getStdout() + valid.getStderr()).isZero();
    }
  }
}
