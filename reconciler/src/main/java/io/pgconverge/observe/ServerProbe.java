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
  /** The role pg_rewind connects as: login and the four file functions it needs, not a superuser. */
  public static final String REWIND_ROLE = io.pgconverge.pg.Rewind.ROLE;

  private ServerProbe() {}

  /**
   * @param settingsOfInterest the settings whose rows are always read (the managed ones); of the
   *     others only those not at their default or waiting for a restart are read, which is all a
   *     plan needs from them (a few dozen rows instead of several hundred)
   */
  public static ServerFact read(LocalServer server, Path data, java.util.Collection<String> settingsOfInterest) {
    if (PostmasterProbe.read(data) instanceof PostmasterProbe.Stale stale) {
      return new ServerFact.NotRunning(stale.why(), true);
    }
    if (!server.socketExists()) {
      boolean pidFile = Files.exists(data.resolve("postmaster.pid"));
      return pidFile
          ? new ServerFact.Unreachable("postmaster.pid exists but no socket at " + server.socketFile())
          : new ServerFact.NotRunning("no server listens on " + server.socketFile());
    }
    try (Connection c = server.connect()) {
      return query(c, settingsOfInterest);
    } catch (SQLException e) {
      return new ServerFact.Unreachable(
          "cannot query the server over " + server.socketFile() + ": " + e.getMessage());
    }
  }

  /** Reads the server's view of itself through an open connection. */
  public static ServerFact.Running query(Connection c, java.util.Collection<String> settingsOfInterest) throws SQLException {
    try (Statement st = c.createStatement()) {
      int version;
      boolean inRecovery;
      Instant started;
      ServerFact.ConfLoad confLoad;
      try (ResultSet rs =
          st.executeQuery(
              "select current_setting('server_version_num')::int, pg_is_in_recovery(), pg_postmaster_start_time(),"
                  + " pg_conf_load_time(), clock_timestamp()")) {
        rs.next();
        version = rs.getInt(1);
        inRecovery = rs.getBoolean(2);
        started = rs.getTimestamp(3).toInstant();
        confLoad = ServerFact.ConfLoad.of(rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant());
      }
      Map<String, LiveSetting> settings = new LinkedHashMap<>();
      try (java.sql.PreparedStatement ps = c.prepareStatement(
              "select name, setting, unit, vartype, context, source, sourcefile, pending_restart from pg_settings"
                  + " where source <> 'default' or pending_restart or name = any(?)")) {
        ps.setArray(1, c.createArrayOf("text", settingsOfInterest.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            settings.put(
                rs.getString(1),
                new LiveSetting(
                    rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    rs.getString(5), rs.getString(6), rs.getString(7), rs.getBoolean(8)));
          }
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
      return new ServerFact.Running(
          version, inRecovery, started, settings, roles, configErrors(st), replication(st, inRecovery), confLoad);
    }
  }

  static ServerFact.Replication replication(Statement st, boolean inRecovery) throws SQLException {
    String systemId;
    int timeline;
    try (ResultSet rs =
        st.executeQuery(
            "select s.system_identifier::text, c.timeline_id from pg_control_system() s, pg_control_checkpoint() c")) {
      rs.next();
      systemId = rs.getString(1);
      timeline = rs.getInt(2);
    }
    List<ReplicationRow> senders = new ArrayList<>();
    List<SlotRow> slots = new ArrayList<>();
    Optional<WalReceiverRow> receiver = Optional.empty();
    if (!inRecovery) {
      try (ResultSet rs =
          st.executeQuery(
              "select r.pid, r.application_name, host(r.client_addr), r.state, r.replay_lsn::text,"
                  + " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn), -1)::bigint, coalesce(l.ssl, false),"
                  + " coalesce(extract(epoch from r.replay_lag)::float8,"
                  + " case when r.replay_lsn = pg_current_wal_lsn() then 0 end, -1), r.sync_state"
                  + " from pg_stat_replication r left join pg_stat_ssl l using (pid) order by r.application_name")) {
        while (rs.next()) {
          senders.add(new ReplicationRow(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getLong(6), rs.getBoolean(7), rs.getDouble(8), rs.getString(9)));
        }
      }
    } else {
      try (ResultSet rs =
          st.executeQuery("select status, sender_host, sender_port, slot_name, received_tli from pg_stat_wal_receiver")) {
        if (rs.next()) {
          receiver = Optional.of(new WalReceiverRow(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getInt(5)));
          if (rs.getInt(5) > timeline) {
            timeline = rs.getInt(5);
          }
        }
      }
    }
    try (ResultSet rs =
        st.executeQuery("select slot_name, slot_type, active, coalesce(wal_status, '') from pg_replication_slots order by slot_name")) {
      while (rs.next()) {
        slots.add(new SlotRow(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getString(4)));
      }
    }
    boolean rewindReady;
    try (ResultSet rs = st.executeQuery(
        "select coalesce(bool_and(has_function_privilege('" + REWIND_ROLE + "', f, 'EXECUTE')), false)"
            + " from unnest(array['" + String.join("', '", io.pgconverge.pg.Rewind.FUNCTIONS) + "']) f"
            + " where exists (select 1 from pg_roles where rolname = '" + REWIND_ROLE + "')")) {
      rewindReady = rs.next() && rs.getBoolean(1);
    }
    return new ServerFact.Replication(systemId, timeline, senders, slots, receiver, rewindReady);
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
