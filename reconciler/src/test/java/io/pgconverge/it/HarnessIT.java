package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The harness itself, without the product: a server made by hand can be started, queried, logged
 * into with a password, and is stopped and deleted with its host. When this fails, the other ITs'
 * failures say nothing about pgconverge.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HarnessIT {

  @Test
  void hostStartsQueriesAndCleansUpAServerMadeByHand() throws Exception {
    Path dir;
    try (TestHost host = TestHost.create()) {
      dir = host.dir();
      Processes.run(
              PostgresUser.command(
                  List.of(host.pgBin().resolve("initdb").toString(), "-D", host.data().toString(),
                      "-A", "peer", "-U", PostgresUser.NAME)),
              Duration.ofSeconds(60))
          .assertExit(0);
      Files.writeString(host.hbaConf(), "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n");
      Files.writeString(host.postgresqlConf(), "listen_addresses = '127.0.0.1'\n",
          StandardOpenOption.APPEND);
      ServerControl server = new ServerControl(host);
      Psql psql = new Psql(host);

      server.start();

      assertThat(server.isRunning()).isTrue();
      assertThat(psql.query("select 1")).isEqualTo("1");
      assertThat(server.startTime()).isNotBlank();
      psql.query("CREATE ROLE app LOGIN PASSWORD '" + host.password("app") + "'");
      assertThat(psql.canLogIn("app", host.password("app"))).isTrue();
      assertThat(psql.canLogIn("app", "wrong")).isFalse();
      // left running on purpose: close() must stop it
    }
    assertThat(dir).doesNotExist();
  }
}
