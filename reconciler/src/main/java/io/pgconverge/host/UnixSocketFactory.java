package io.pgconverge.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import javax.net.SocketFactory;

/**
 * pgjdbc's {@code socketFactory} for the local server's Unix socket, on the JDK's own Unix-domain
 * {@link SocketChannel} (Java 16+): {@code socketFactoryArg} is the socket file, e.g. {@code
 * /var/run/postgresql/.s.PGSQL.5432}; the host and port pgjdbc connects to are ignored.
 *
 * <p>It replaces junixsocket, whose first use in every fresh JVM extracted a native library to a
 * temporary file and loaded it (tens of milliseconds of each one-shot {@code check}, and a failure
 * on a host whose {@code /tmp} is mounted {@code noexec}). pgjdbc needs of a socket only connect
 * with a time limit, streams, and a read time limit that ends in {@link SocketTimeoutException}
 * (its {@code socketTimeout}, and the 1 ms peek of {@code hasMessagePending}); the TCP options it
 * sets mean nothing on a Unix socket and are accepted and ignored. The channel is non-blocking and
 * each wait is a bounded {@link Selector#select(long)}, reads and writes each on their own
 * selector and lock; {@link Socket#close()} from another thread wakes a waiting read or write,
 * which then fails with a {@link SocketException}.
 */
public final class UnixSocketFactory extends SocketFactory {
  private final Path socketFile;

  /** Called by pgjdbc with {@code socketFactoryArg}. */
  public UnixSocketFactory(String socketFile) {
    this.socketFile = Path.of(socketFile);
  }

  @Override
  public Socket createSocket() throws IOException {
    return new UnixSocket(socketFile);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
    return connected();
  }

  private Socket connected() throws IOException {
    Socket s = createSocket();
    s.connect(null, 0);
    return s;
  }

  /** A {@link Socket} over a non-blocking Unix-domain channel; every method pgjdbc calls is here. */
  static final class UnixSocket extends Socket {
    private final Path socketFile;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private volatile SocketChannel channel;
    private Selector readSelector;
    private Selector writeSelector;
    private volatile int soTimeoutMillis;
    private volatile boolean closed;
    private InputStream in;
    private OutputStream out;

    UnixSocket(Path socketFile) throws SocketException {
      super((SocketImpl) null);
      this.socketFile = socketFile;
    }

    /** Connects to the socket file, whatever {@code endpoint} says; {@code timeoutMillis} 0 is 5 s. */
    @Override
    public synchronized void connect(SocketAddress endpoint, int timeoutMillis) throws IOException {
      if (closed) {
        throw new SocketException("Socket is closed");
      }
      if (channel != null) {
        throw new SocketException("already connected to " + socketFile);
      }
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      Selector reads = null;
      Selector writes = null;
      try {
        ch.configureBlocking(false);
        reads = Selector.open();
        writes = Selector.open();
        if (!ch.connect(UnixDomainSocketAddress.of(socketFile))) {
          ch.register(writes, SelectionKey.OP_CONNECT);
          if (writes.select(timeoutMillis > 0 ? timeoutMillis : 5000) == 0) {
            throw new SocketTimeoutException("connect to " + socketFile + " timed out");
          }
          ch.finishConnect();
          writes.selectedKeys().clear();
        }
        ch.register(reads, 0);
        ch.register(writes, 0);
      } catch (IOException | RuntimeException e) {
        closeAll(reads, writes, ch);
        throw e;
      }
      readSelector = reads;
      writeSelector = writes;
      in = new ChannelIn();
      out = new ChannelOut();
      channel = ch;
    }

    private static void closeAll(java.io.Closeable... all) throws IOException {
      IOException first = null;
      for (java.io.Closeable c : all) {
        try {
          if (c != null) {
            c.close();
          }
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
      if (first != null) {
        throw first;
      }
    }

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
      connect(endpoint, 0);
    }

    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
      if (bindpoint != null) {
        throw new SocketException("a Unix socket to the local server has no local address to bind");
      }
    }

    @Override
    public boolean isConnected() {
      return channel != null;
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public boolean isBound() {
      return isConnected();
    }

    @Override
    public synchronized void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      if (channel != null) {
        // the selectors first: closing one wakes a thread waiting in it
        closeAll(readSelector, writeSelector, channel);
      }
    }

    @Override
    public InputStream getInputStream() throws IOException {
      return connectedStream(in);
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
      return connectedStream(out);
    }

    private synchronized <T> T connectedStream(T stream) throws SocketException {
      if (closed) {
        throw new SocketException("Socket is closed");
      }
      if (stream == null) {
        throw new SocketException("Socket is not connected");
      }
      return stream;
    }

    @Override
    public void shutdownInput() throws IOException {
      channel.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
      channel.shutdownOutput();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
      if (timeout < 0) {
        throw new IllegalArgumentException("timeout can't be negative");
      }
      soTimeoutMillis = timeout;
    }

    @Override
    public int getSoTimeout() {
      return soTimeoutMillis;
    }

    // TCP options pgjdbc sets or reads: meaningless on a Unix socket, accepted and ignored.

    @Override
    public void setTcpNoDelay(boolean on) {}

    @Override
    public boolean getTcpNoDelay() {
      return true;
    }

    @Override
    public void setKeepAlive(boolean on) {}

    @Override
    public boolean getKeepAlive() {
      return false;
    }

    @Override
    public void setReceiveBufferSize(int size) {}

    @Override
    public int getReceiveBufferSize() {
      return 65536;
    }

    @Override
    public void setSendBufferSize(int size) {}

    @Override
    public int getSendBufferSize() {
      return 65536;
    }

    @Override
    public String toString() {
      return "UnixSocket[" + socketFile + (closed ? ", closed" : channel != null ? ", connected" : "") + "]";
    }

    /**
     * Waits until the channel is ready for {@code op} in {@code selector}: at most the read time
     * limit when {@code timed} (0: no limit), else without a limit.
     */
    private void await(Selector selector, int op, boolean timed) throws IOException {
      try {
        SelectionKey key = channel.keyFor(selector);
        key.interestOps(op);
        try {
          int limit = timed ? soTimeoutMillis : 0;
          int n = limit > 0 ? selector.select(limit) : selector.select();
          if (closed) {
            throw new SocketException("Socket closed");
          }
          if (n == 0 && limit > 0) {
            throw new SocketTimeoutException("Read timed out");
          }
        } finally {
          selector.selectedKeys().clear();
          if (key.isValid()) {
            key.interestOps(0);
          }
        }
      } catch (java.nio.channels.ClosedSelectorException | java.nio.channels.CancelledKeyException e) {
        throw new SocketException("Socket closed");
      }
    }

    private final class ChannelIn extends InputStream {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        synchronized (readLock) {
          ByteBuffer buf = ByteBuffer.wrap(b, off, len);
          while (true) {
            int n = channel.read(buf);
            if (n != 0) {
              return n;
            }
            await(readSelector, SelectionKey.OP_READ, true);
          }
        }
      }

      @Override
      public int available() throws IOException {
        return 0;
      }

      @Override
      public void close() throws IOException {
        UnixSocket.this.close();
      }
    }

    private final class ChannelOut extends OutputStream {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        synchronized (writeLock) {
          ByteBuffer buf = ByteBuffer.wrap(b, off, len);
          while (buf.hasRemaining()) {
            if (channel.write(buf) == 0) {
              await(writeSelector, SelectionKey.OP_WRITE, false);
            }
          }
        }
      }

      @Override
      public void close() throws IOException {
        UnixSocket.this.close();
      }
    }
  }
}
