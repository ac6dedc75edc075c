package io.pgconverge.observe;

import io.pgconverge.desired.Peer;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.SslSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Asks the primary, over a physical replication connection as the replication user (the same
 * connection a replica makes, so the same pg_hba.conf line and password), who it is:
 * IDENTIFY_SYSTEM, and its values of the settings a hot standby must match. Read-only.
 */
public final class PrimaryProbe {
  private PrimaryProbe() {}

  public static PrimaryFact read(Peer primary, ReplicationSpec replication, Secret secret, Optional<SslSpec> ssl) {
    if (!(secret instanceof Secret.Readable password)) {
      return new PrimaryFact.Unreachable(primary.host(), primary.port(),
          "the replication password file " + replication.passwordFile() + " cannot be read");
    }
    Properties p = new Properties();
    p.setProperty("user", replication.user());
    p.setProperty("password", password.value());
    p.setProperty("replication", "true");
    p.setProperty("preferQueryMode", "simple");
    p.setProperty("assumeMinServerVersion", "10");
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "10");
    p.setProperty("ApplicationName", "pgconverge-probe");
    if (ssl.isPresent()) {
      p.setProperty("sslmode", "verify-full");
      p.setProperty("sslrootcert", ssl.get().caFile().toString());
    } else {
      p.setProperty("sslmode", "disable");
    }
    String host = primary.host().contains(":") ? "[" + primary.host() + "]" : primary.host();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + primary.port() + "/postgres", p);
        Statement st = c.createStatement()) {
      String systemId;
      int timeline;
      try (ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
        rs.next();
        systemId = rs.getString(1);
        timeline = Integer.parseInt(rs.getString(2));
      }
      Map<String, String> settings = new LinkedHashMap<>();
      for (String name : io.pgconverge.pg.HotStandby.SENSITIVE_SETTINGS) {
        try (ResultSet rs = st.executeQuery("SHOW " + name)) {
          if (rs.next()) {
            settings.put(name, rs.getString(1));
          }
        }
      }
      return new PrimaryFact.Reachable(primary.host(), primary.port(), systemId, timeline, settings);
    } catch (SQLException e) {
      return new PrimaryFact.Unreachable(primary.host(), primary.port(), masked(e.getMessage(), password.value()));
    }
  }

  /** A driver message never carries the password; make sure of it. */
  static String masked(String message, String password) {
    String m = message == null ? "connection failed" : message;
    return password.isEmpty() ? m : m.replace(password, "********");
  }
}
