package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.observe.PostmasterProbe;
import java.nio.file.Files;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A start ends when postmaster.pid says the new server is ready, as {@code pg_ctl start -w} judges
 * it but without its 100 ms steps ({@link PostmasterProbe#readySince}): a running server counts, a
 * pid file a killed postmaster left with "ready" in it does not, and neither does a server started
 * before the start asked about.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PostmasterReadinessIT {

  @Test
  void onlyALivePostmasterStartedSinceTheStartCountsAsReady() throws Exception {
    try (TestHost host = TestHost.create()) {
      long beforeStart = Instant.now().getEpochSecond() - 2;
      new Cli(host).apply().assertExit(2);

      assertThat(PostmasterProbe.readySince(host.data(), beforeStart)).as("the server apply started").isTrue();
      assertThat(PostmasterProbe.readySince(host.data(), Instant.now().getEpochSecond() + 60))
          .as("a server started before the start asked about").isFalse();

      long pid = Long.parseLong(Files.readAllLines(host.data().resolve("postmaster.pid")).get(0).strip());
      ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
      postmaster.destroyForcibly();
      postmaster.onExit().get(30, TimeUnit.SECONDS);
      assertThat(Files.readAllLines(host.data().resolve("postmaster.pid")).get(7).strip())
          .as("the killed postmaster's pid file still says").isEqualTo("ready");

      assertThat(PostmasterProbe.readySince(host.data(), beforeStart)).as("the pid file of a killed postmaster").isFalse();

      new Cli(host).apply().assertExit(2);
      assertThat(PostmasterProbe.readySince(host.data(), beforeStart)).as("the server started after the crash").isTrue();
      assertThat(new Psql(host).query("select 1")).isEqualTo("1");
    }
  }
}
