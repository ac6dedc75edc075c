package io.pgconverge.observe;

import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.SslSpec;
import io.pgconverge.pg.HotStandby;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Asks a peer's server, over a physical replication connection as the replication user (the same
 * connection a replica makes, so the same pg_hba.conf line and password), who it is:
 * IDENTIFY_SYSTEM, whether it is in hot standby, and its values of the settings a hot standby must
 * match. Read-only; bounded by a 3 s connect timeout.
 */
public final class PeerProbe {
  private PeerProbe() {}

  public static PeerAnswer ask(String host, int port, ReplicationSpec replication, Secret secret, Optional<SslSpec> ssl) {
    if (!(secret instanceof Secret.Readable password)) {
      return new PeerAnswer.Silent("the replication password file " + replication.passwordFile() + " cannot be read");
    }
    try (Connection c = connect(host, port, replication, password, ssl, true);
        Statement st = c.createStatement()) {
      String systemId;
      int timeline;
      try (ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
        rs.next();
        systemId = rs.getString(1);
        timeline = Integer.parseInt(rs.getString(2));
      }
      boolean inRecovery;
      try (ResultSet rs = st.executeQuery("SHOW in_hot_standby")) {
        rs.next();
        inRecovery = "on".equals(rs.getString(1));
      }
      Map<String, String> settings = new LinkedHashMap<>();
      for (String name : HotStandby.SENSITIVE_SETTINGS) {
        try (ResultSet rs = st.executeQuery("SHOW " + name)) {
          if (rs.next()) {
            settings.put(name, rs.getString(1));
          }
        }
      }
      return new PeerAnswer.Answered(systemId, timeline, inRecovery, settings);
    } catch (SQLException e) {
      String message = masked(e.getMessage(), password.value());
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof ConnectException && String.valueOf(t.getMessage()).contains("refused")) {
          return new PeerAnswer.Refused(message);
        }
      }
      return new PeerAnswer.Silent(message);
    }
  }

  /**
   * Opens a connection to a peer's database postgres as the replication user: a physical
   * replication connection ({@code replication}) or a normal one (which the peer's hba may refuse).
   * Bounded by a 3 s connect and a 10 s socket timeout.
   */
  static Connection connect(String host, int port, ReplicationSpec replication, Secret.Readable password, Optional<SslSpec> ssl,
      boolean replicationConnection) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", replication.user());
    p.setProperty("password", password.value());
    if (replicationConnection) {
      p.setProperty("replication", "true");
      p.setProperty("preferQueryMode", "simple");
    }
    p.setProperty("assumeMinServerVersion", "10");
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "10");
    p.setProperty("ApplicationName", "pgconverge_probe");
    if (ssl.isPresent()) {
      p.setProperty("sslmode", "verify-full");
      p.setProperty("sslrootcert", ssl.get().caFile().toString());
    } else {
      p.setProperty("sslmode", "disable");
    }
    String h = host.contains(":") ? "[" + host + "]" : host;
    return io.pgconverge.host.LocalServer.open("jdbc:postgresql://" + h + ":" + port + "/postgres", p);
  }

  /** A driver message never carries the password; make sure of it. */
  static String masked(String message, String password) {
    String m = message == null ? "connection failed" : message;
    return password.isEmpty() ? m : m.replace(password, "********");
  }
}
