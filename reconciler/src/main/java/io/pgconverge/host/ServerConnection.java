package io.pgconverge.host;

import java.sql.Connection;
import java.sql.SQLException;

/** The local-server port: opens a connection to this host's own server; {@link LocalServer} is the real one. */
@FunctionalInterface
public interface ServerConnection {
  /** Opens a connection to database {@code postgres}; the caller closes it. */
  Connection connect() throws SQLException;
}
