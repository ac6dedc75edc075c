package io.pgconverge.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The socket pgjdbc gets for the local server: what pgjdbc relies on, against a listener of the test's. */
@Timeout(30)
class UnixSocketFactoryTest {
  @TempDir Path dir;
  private Path file;
  private ServerSocketChannel listener;

  @BeforeEach
  void listen() throws IOException {
    file = dir.resolve(".s.PGSQL.5432");
    listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(file));
  }

  @AfterEach
  void close() throws IOException {
    listener.close();
  }

  private Socket connected() throws IOException {
    Socket s = new UnixSocketFactory(file.toString()).createSocket();
    assertThat(s.isConnected()).isFalse();
    s.connect(new InetSocketAddress("localhost", 5432), 5000); // the address pgjdbc passes: ignored
    assertThat(s.isConnected()).isTrue();
    return s;
  }

  @Test
  void bytesWrittenArriveAndBytesSentBackAreRead() throws Exception {
    try (Socket s = connected(); SocketChannel peer = listener.accept()) {
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {1, 2, 3});
      out.write(4);
      ByteBuffer got = ByteBuffer.allocate(4);
      while (got.hasRemaining()) {
        peer.read(got);
      }
      assertThat(got.array()).containsExactly(1, 2, 3, 4);
      peer.write(ByteBuffer.wrap(new byte[] {9, 8}));
      InputStream in = s.getInputStream();
      assertThat(in.read()).isEqualTo(9);
      byte[] b = new byte[4];
      assertThat(in.read(b, 0, 4)).isEqualTo(1);
      assertThat(b[0]).isEqualTo((byte) 8);
    }
  }

  @Test
  void aLargeWriteIsWrittenWholeWhileThePeerReadsSlowly() throws Exception {
    byte[] big = new byte[4 * 1024 * 1024];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    try (Socket s = connected(); SocketChannel peer = listener.accept()) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try {
          s.getOutputStream().write(big);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      ByteBuffer got = ByteBuffer.allocate(big.length);
      while (got.hasRemaining()) {
        peer.read(got);
      }
      writer.get(20, TimeUnit.SECONDS);
      assertThat(got.array()).isEqualTo(big);
    }
  }

  @Test
  void aReadWithNothingToReadEndsInASocketTimeoutAfterTheLimitAsPgjdbcExpects() throws Exception {
    try (Socket s = connected(); SocketChannel peer = listener.accept()) {
      s.setSoTimeout(200);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(150L, 5000L);
      peer.write(ByteBuffer.wrap(new byte[] {7}));
      s.setSoTimeout(0);
      assertThat(s.getInputStream().read()).as("the socket is still usable after a timeout").isEqualTo(7);
    }
  }

  @Test
  void thePeerHangingUpIsTheEndOfTheStream() throws Exception {
    try (Socket s = connected()) {
      listener.accept().close();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void closingFromAnotherThreadEndsAWaitingRead() throws Exception {
    Socket s = connected();
    try (SocketChannel silentPeer = listener.accept()) {
      CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
        try {
          return s.getInputStream().read();
        } catch (IOException e) {
          return -2;
        }
      });
      Thread.sleep(200);
      assertThat(read).isNotDone();
      s.close();
      assertThat(read.get(5, TimeUnit.SECONDS)).as("the read fails instead of waiting forever").isEqualTo(-2);
      assertThat(s.isClosed()).isTrue();
      assertThatThrownBy(s::getInputStream).isInstanceOf(SocketException.class);
    }
  }

  @Test
  void aMissingSocketFileFailsToConnectWithAnIoError() throws Exception {
    Socket s = new UnixSocketFactory(dir.resolve("nothing-here").toString()).createSocket();
    assertThatThrownBy(() -> s.connect(null, 1000)).isInstanceOf(IOException.class);
    assertThat(s.isConnected()).isFalse();
    s.close();
  }

  @Test
  void aSocketFileNobodyListensOnIsRefused() throws Exception {
    listener.close();
    assertThat(Files.exists(file)).as("the file stays after its listener closed").isTrue();
    Socket s = new UnixSocketFactory(file.toString()).createSocket();
    assertThatThrownBy(() -> s.connect(null, 1000)).isInstanceOf(IOException.class);
  }
}
