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
public record LocalServer(Path socketDirectory, int port, String user) {

  public Path socketFile() {
    return socketDirectory.resolve(".s.PGSQL." + port);
  }

  public boolean socketExists() {
    return Files.exists(socketFile());
  }

  /** Opens a connection to database {@code postgres}; the caller closes it. */
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
    props.setProperty("socketFactoryArg", socketFile().toString());
    props.setProperty("sslmode", "disable");
    props.setProperty("connectTimeout", "5");
    props.setProperty("socketTimeout", "60");
    props.setProperty("ApplicationName", "pgconverge");
    props.setProperty("assumeMinServerVersion", "13");
    return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", props);
  }
}
