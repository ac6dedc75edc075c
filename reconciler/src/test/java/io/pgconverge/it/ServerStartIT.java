package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A stopped server is started; one that will not start is reported with its own log lines. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServerStartIT {

  @Test
  void startsServerThatWasStoppedByHand() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      server.stop();
      assertThat(server.isRunning()).isFalse();

      cli.check().assertExit(2);
      assertThat(server.isRunning()).as("check starts nothing").isFalse();
      cli.apply().assertExit(2);

      assertThat(server.isRunning()).isTrue();
      assertThat(new Psql(host).query("select 1")).isEqualTo("1");
      cli.apply().assertExit(0);
    }
  }

  @Test
  void reportsServerLogWhenServerCannotBindItsPort() throws IOException {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      server.stop();

      ProcessResult apply;
      try (ServerSocket squatter =
          new ServerSocket(host.port(), 1, InetAddress.getByName("127.0.0.1"))) {
        apply = cli.apply().assertExit(4);
      }

      assertThat(apply.output())
          .as(apply.describe())
          .containsAnyOf("Address already in use", "could not bind");
      assertThat(server.isRunning()).isFalse();
      cli.apply().assertExit(2);
      assertThat(new Psql(host).query("select 1")).isEqualTo("1");
    }
  }
}
