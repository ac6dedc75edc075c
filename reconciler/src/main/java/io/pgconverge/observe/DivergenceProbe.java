package io.pgconverge.observe;

import io.pgconverge.desired.Peer;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.SslSpec;
import io.pgconverge.host.LocalServer;
import io.pgconverge.pg.Lsn;
import io.pgconverge.pg.TimelineHistory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Reads whether this replica can follow its primary's timeline: its own replay position, then the
 * primary's history. Read-only; asked only when {@link #due} says so, so the steady state costs
 * nothing.
 *
 * <ol>
 *   <li>The end of the last replayed record, {@code pg_last_wal_replay_lsn()}, over the Unix socket;
 *   <li>then (strictly later) the timeline it replays: this server's own answer to IDENTIFY_SYSTEM
 *       over a replication connection (on a standby, the replay timeline). In this order a replica
 *       that crosses to the new timeline between the two reads is seen on the new one, never with
 *       a position of the new timeline taken for one of the old;
 *   <li>the primary's history: {@code TIMELINE_HISTORY <its timeline>} over a replication
 *       connection to it, parsed by {@link TimelineHistory}.
 * </ol>
 */
public final class DivergenceProbe {
  private DivergenceProbe() {}

  /**
   * True when the check can matter: a server in recovery whose WAL receiver does not stream from the
   * primary (it does not stream at all, or still from the former primary, whose link may be gone
   * without the receiver knowing yet), while the primary answers as a primary on a later timeline
   * than the one the server reports.
   */
  static boolean due(ServerFact server, PrimaryFact primary) {
    return server instanceof ServerFact.Running r && r.inRecovery()
        && primary instanceof PrimaryFact.Reachable p && !p.answer().inRecovery()
        && p.answer().timeline() > r.replication().timeline()
        && !r.replication().streamsFrom(p.host(), p.port());
  }

  /** Reads the check; has no side effects on either server. */
  static DivergenceFact read(LocalServer local, Peer self, PrimaryFact.Reachable primary, ReplicationSpec rep, Secret secret,
      Optional<SslSpec> ssl) {
    if (!(secret instanceof Secret.Readable password)) {
      return new DivergenceFact.Unknown("the replication password file " + rep.passwordFile() + " cannot be read");
    }
    long replayLsn;
    try (Connection c = local.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("select pg_last_wal_replay_lsn()::text")) {
      rs.next();
      Optional<Long> lsn = Lsn.parse(rs.getString(1));
      if (lsn.isEmpty()) {
        return new DivergenceFact.Unknown("this server has replayed no WAL yet");
      }
      replayLsn = lsn.get();
    } catch (SQLException e) {
      return new DivergenceFact.Unknown("cannot read this server's replay position: " + e.getMessage());
    }
    int replayTimeline;
    try (Connection c = PeerProbe.connect(self.host(), self.port(), rep, password, ssl, true); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
      rs.next();
      replayTimeline = Integer.parseInt(rs.getString(2));
    } catch (SQLException | RuntimeException e) {
      return new DivergenceFact.Unknown("cannot ask this server for its replay timeline: "
          + PeerProbe.masked(e.getMessage(), password.value()));
    }
    int primaryTimeline = primary.answer().timeline();
    TimelineHistory history;
    try (Connection c = PeerProbe.connect(primary.host(), primary.port(), rep, password, ssl, true);
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery("TIMELINE_HISTORY " + primaryTimeline)) {
      rs.next();
      history = TimelineHistory.parse(text(rs.getString(2)));
    } catch (SQLException | RuntimeException e) {
      return new DivergenceFact.Unknown("cannot read the history of timeline " + primaryTimeline + " from " + primary.host() + ":"
          + primary.port() + ": " + PeerProbe.masked(e.getMessage(), password.value()));
    }
    return new DivergenceFact.Checked(replayTimeline, replayLsn, primaryTimeline, history.switchpoint(replayTimeline),
        history.followable(replayTimeline, replayLsn, primaryTimeline));
  }

  /** The content column as text: raw, or hex-escaped when the driver saw it as bytea. */
  static String text(String content) {
    if (content == null) {
      return "";
    }
    if (!content.startsWith("\\x")) {
      return content;
    }
    byte[] bytes = new byte[(content.length() - 2) / 2];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) Integer.parseInt(content.substring(2 + 2 * i, 4 + 2 * i), 16);
    }
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }
}
