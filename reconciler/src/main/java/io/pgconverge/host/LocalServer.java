package io.pgconverge.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens JDBC connections to this host's own server the way a DBA on the host would: over the Unix
 * socket, as the OS user the process runs as, with peer authentication. No password is involved.
 */
public record LocalServer(Path socketDirectory, int port, String user) implements ServerConnection {

  public Path socketFile() {
    return socketDirectory.resolve(".s.PGSQL." + port);
  }

  public boolean socketExists() {
    return Files.exists(socketFile());
  }

  @Override
  public Connection connect() throws SQLException {
    ConnectionPrewarm.awaitDone();
    return connectNow();
  }

  /** {@link #connect} without waiting for {@link ConnectionPrewarm} (which calls this). */
  Connection connectNow() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("socketFactory", UnixSocketFactory.class.getName());
    props.setProperty("socketFactoryArg", socketFile().toString());
    props.setProperty("sslmode", "disable");
    props.setProperty("connectTimeout", "5");
    props.setProperty("socketTimeout", "60");
    props.setProperty("ApplicationName", "pgconverge");
    props.setProperty("assumeMinServerVersion", "13");
    // pgconverge's own writes (roles, passwords, slots) never wait for synchronous standbys: a new
    // primary whose standbys are not up yet would otherwise hang in its own first run, before it
    // made the replication role they need. Whatever a failover loses of them the next run redoes.
    props.setProperty("options", "-c synchronous_commit=local");
    return open("jdbc:postgresql://localhost:" + port + "/postgres", props);
  }

  private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

  /**
   * Opens a connection with pgjdbc's driver itself, not through {@link DriverManager}, whose first
   * use scans every jar for {@code java.sql.Driver} services and loads them (start-up time of every
   * one-shot run). Throws like {@link DriverManager#getConnection} when the driver declines the URL.
   */
  public static Connection open(String url, Properties props) throws SQLException {
    Connection c = DRIVER.connect(url, props);
    if (c == null) {
      throw new SQLException("No suitable driver found for " + url, "08001");
    }
    return c;
  }
}
