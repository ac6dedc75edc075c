package io.pgconverge.observe;

import io.pgconverge.host.LocalServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Asks the local server about itself over its Unix socket: version, recovery, start time,
 * pg_settings, roles (pg_authid) and the errors its config views report. Read-only queries.
 */
public final class ServerProbe {
  private ServerProbe() {}

  public static ServerFact read(LocalServer server, Path data) {
    if (!server.socketExists()) {
      boolean pidFile = Files.exists(data.resolve("postmaster.pid"));
      return pidFile
          ? new ServerFact.Unreachable("postmaster.pid exists but no socket at " + server.socketFile())
          : new ServerFact.NotRunning("no server listens on " + server.socketFile());
    }
    try (Connection c = server.connect()) {
      return query(c);
    } catch (SQLException e) {
      return new ServerFact.Unreachable(
          "cannot query the server over " + server.socketFile() + ": " + e.getMessage());
    }
  }

  /** Reads the server's view of itself through an open connection. */
  public static ServerFact.Running query(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      int version;
      boolean inRecovery;
      Instant started;
      try (ResultSet rs =
          st.executeQuery(
              "select current_setting('server_version_num')::int, pg_is_in_recovery(), pg_postmaster_start_time()")) {
        rs.next();
        version = rs.getInt(1);
        inRecovery = rs.getBoolean(2);
        started = rs.getTimestamp(3).toInstant();
      }
      Map<String, LiveSetting> settings = new LinkedHashMap<>();
      try (ResultSet rs =
          st.executeQuery(
              "select name, setting, unit, vartype, context, source, sourcefile, pending_restart from pg_settings")) {
        while (rs.next()) {
          settings.put(
              rs.getString(1),
              new LiveSetting(
                  rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                  rs.getString(5), rs.getString(6), rs.getString(7), rs.getBoolean(8)));
        }
      }
      Map<String, LiveRole> roles = new LinkedHashMap<>();
      try (ResultSet rs =
          st.executeQuery(
              "select rolname, rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole,"
                  + " rolconnlimit, rolpassword from pg_authid where rolname !~ '^pg_'")) {
        while (rs.next()) {
          roles.put(
              rs.getString(1),
              new LiveRole(
                  rs.getString(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4),
                  rs.getBoolean(5), rs.getBoolean(6), rs.getInt(7), Optional.ofNullable(rs.getString(8))));
        }
      }
      return new ServerFact.Running(version, inRecovery, started, settings, roles, configErrors(st));
    }
  }

  /** Errors the server finds in the config files as they are on disk now. */
  public static List<FileSettingError> configErrors(Statement st) throws SQLException {
    List<FileSettingError> errors = new ArrayList<>();
    try (ResultSet rs =
        st.executeQuery(
            "select sourcefile, sourceline, name, error from pg_file_settings where error is not null")) {
      while (rs.next()) {
        errors.add(new FileSettingError(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4)));
      }
    }
    try (ResultSet rs =
        st.executeQuery(
            "select current_setting('hba_file'), line_number, error from pg_hba_file_rules where error is not null")) {
      while (rs.next()) {
        errors.add(new FileSettingError(rs.getString(1), rs.getInt(2), null, rs.getString(3)));
      }
    }
    return errors;
  }
}
