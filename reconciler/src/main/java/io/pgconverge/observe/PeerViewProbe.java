package io.pgconverge.observe;

import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.SslSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks a peer's server who it is and how it replicates, for {@code status --cluster}: a physical
 * replication connection as the replication user (the one every peer's hba already allows), then,
 * on a primary, a normal connection to read its pg_stat_replication (the replication user sees the
 * rows of its own walsenders). Read-only; each connection bounded by a 3 s connect timeout.
 */
public final class PeerViewProbe {
  private PeerViewProbe() {}

  public static PeerView ask(String host, int port, ReplicationSpec replication, Secret secret, Optional<SslSpec> ssl) {
    if (!(secret instanceof Secret.Readable password)) {
      return PeerView.silent("the replication password file " + replication.passwordFile() + " cannot be read");
    }
    String systemId;
    int timeline;
    String lsn;
    boolean inRecovery;
    String slot;
    try (Connection c = PeerProbe.connect(host, port, replication, password, ssl, true); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
        rs.next();
        systemId = rs.getString(1);
        timeline = Integer.parseInt(rs.getString(2));
        lsn = rs.getString(3);
      }
      inRecovery = "on".equals(show(st, "in_hot_standby"));
      slot = show(st, "primary_slot_name");
    } catch (SQLException e) {
      return PeerView.silent(PeerProbe.masked(e.getMessage(), password.value()));
    }
    Optional<List<PeerView.Sender>> senders = Optional.empty();
    Optional<String> sqlError = Optional.empty();
    if (!inRecovery) {
      try (Connection c = PeerProbe.connect(host, port, replication, password, ssl, false); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT application_name, state, replay_lsn::text,"
              + " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, extract(epoch from replay_lag)::float8,"
              + " sync_state FROM pg_stat_replication ORDER BY application_name")) {
        List<PeerView.Sender> rows = new ArrayList<>();
        while (rs.next()) {
          long lag = rs.getLong(4);
          Long lagBytes = rs.wasNull() ? null : lag;
          double seconds = rs.getDouble(5);
          rows.add(new PeerView.Sender(rs.getString(1), rs.getString(2), rs.getString(3), lagBytes, rs.wasNull() ? null : seconds,
              rs.getString(6)));
        }
        senders = Optional.of(rows);
      } catch (SQLException e) {
        sqlError = Optional.of(PeerProbe.masked(e.getMessage(), password.value()));
      }
    }
    return new PeerView(Optional.empty(), systemId, timeline, lsn, inRecovery, slot == null || slot.isEmpty() ? null : slot,
        senders, sqlError);
  }

  private static String show(Statement st, String name) throws SQLException {
    try (ResultSet rs = st.executeQuery("SHOW " + name)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
