package io.pgconverge.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one-shot run's warming of its first connection: it reaches no socket, prints nothing and never holds a run. */
@Timeout(30)
class ConnectionPrewarmTest {

  @Test
  void theWarmingConnectionGoesWhereNoSocketFileCanEverBeMade() {
    assertThat(ConnectionPrewarm.NO_SOCKET_DIRECTORY).doesNotExist();
    assertThatThrownBy(() -> Files.createDirectories(ConnectionPrewarm.NO_SOCKET_DIRECTORY)).isInstanceOf(IOException.class);
  }

  @Test
  void warmingPrintsNothingAndEndsOnItsOwn() {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      System.setErr(capture);
      ConnectionPrewarm.start();
      ConnectionPrewarm.awaitDone();
      ConnectionPrewarm.warm();
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).as("what warming printed").isEmpty();
  }

  @Test
  void aConnectionToAServerThatIsNotThereStillFailsAsItShould() {
    ConnectionPrewarm.start();
    assertThatThrownBy(() -> new LocalServer(ConnectionPrewarm.NO_SOCKET_DIRECTORY, 5432, "postgres").connect())
        .isInstanceOf(java.sql.SQLException.class);
  }
}
