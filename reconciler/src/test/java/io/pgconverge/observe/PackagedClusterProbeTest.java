package io.pgconverge.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackagedClusterProbeTest {
  @TempDir Path root;

  @Test
  void readsDataDirectoryPortAndRunningStateFromDebiansClusterConfig() throws IOException {
    Path conf = Files.createDirectories(root.resolve("15/main"));
    Path data = Files.createDirectories(root.resolve("data"));
    Files.writeString(conf.resolve("postgresql.conf"), "data_directory = '" + data + "'\t\t# use data in another directory\n"
        + "port = 5433\t\t\t\t# (change requires restart)\nexternal_pid_file = '" + root.resolve("15-main.pid") + "'\n");
    Files.writeString(data.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + data + "\n");
    Files.createDirectories(root.resolve("15/broken"));

    assertThat(PackagedClusterProbe.find(root)).containsExactly(
        new PackagedCluster("15", "main", conf, data, 5433, true));
  }

  @Test
  void aClusterWhosePidFileNamesNoLiveProcessIsStoppedAndANoRootMeansNone() throws IOException {
    Path conf = Files.createDirectories(root.resolve("13/main"));
    Files.writeString(conf.resolve("postgresql.conf"), "port = 5432\n");
    assertThat(PackagedClusterProbe.find(root)).singleElement().satisfies(c -> {
      assertThat(c.running()).isFalse();
      assertThat(c.dataDirectory()).isEqualTo(Path.of("/var/lib/postgresql/13/main"));
    });
    assertThat(PackagedClusterProbe.find(root.resolve("absent"))).isEmpty();
  }
}
