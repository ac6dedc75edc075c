package io.pgconverge.failover.runtime;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.failover.FailoverFacts.Local;
import io.pgconverge.failover.FailoverFacts.PeerPoll;
import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.observe.BinaryFact;
import io.pgconverge.observe.BinaryProbe;
import io.pgconverge.observe.HostProbe;
import io.pgconverge.observe.PeerView;
import io.pgconverge.observe.PeerViewProbe;
import io.pgconverge.observe.Secret;
import io.pgconverge.observe.SecretProbe;
import io.pgconverge.pg.Sql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The daemon's {@link ServerPort}: this host's server over its Unix socket ({@link
 * HostProbe#localServer}, peer authentication, no password), each other peer directly over a
 * physical replication connection as the replication user ({@link PeerViewProbe}, the
 * connection every peer's pg_hba.conf already allows), promotion by {@code pg_promote} and the
 * stop by {@code pg_ctl} through the daemon's {@link Commands}. Every call is bounded by {@code
 * retry_timeout} (a stop by twice that: fast, then immediate). Passwords are read from the
 * replication password file and go only into the driver's properties, never into argv or a log.
 */
public final class LocalServerPort implements ServerPort {
  private static final String OBSERVE_SQL = "select pg_is_in_recovery(), case when pg_is_in_recovery()"
      + " then coalesce((select received_tli from pg_stat_wal_receiver), (select timeline_id from pg_control_checkpoint()))"
      + " else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end,"
      + " pg_wal_lsn_diff(case when pg_is_in_recovery()"
      + " then greatest(coalesce(pg_last_wal_receive_lsn(), '0/0'), coalesce(pg_last_wal_replay_lsn(), '0/0'))"
      + " else pg_current_wal_lsn() end, '0/0')::bigint";

  private final DesiredState desired;
  private final Commands commands;
  private final Duration timeout;
  private final Consumer<String> log;
  private final ExecutorService pool;
  /** The timeline last observed, so a replica whose WAL receiver is not connected does not seem to go back. */
  private volatile long lastTimeline;

  public LocalServerPort(DesiredState desired, Commands commands, Duration timeout, Consumer<String> log) {
    this.desired = desired;
    this.commands = commands;
    this.timeout = timeout;
    this.log = log;
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "pgconverge-failover-poll");
      t.setDaemon(true);
      return t;
    });
  }

  private int seconds() {
    return (int) Math.max(1, timeout.toSeconds());
  }

  /**
   * This host's server. A replica's timeline is the one it replays: its own answer to
   * IDENTIFY_SYSTEM over the replication connection the peers use (exact), else the highest of
   * what its WAL receiver received, the last checkpoint's and the last one seen (a replica whose
   * receiver is not connected still shows the checkpoint's, which may be from before it crossed
   * to a new timeline).
   */
  @Override
  public Local observe() {
    Local sql;
    try (Connection c = HostProbe.localServer(desired).connect(); Statement st = c.createStatement()) {
      st.setQueryTimeout(seconds());
      try (ResultSet rs = st.executeQuery(OBSERVE_SQL)) {
        rs.next();
        sql = new Local(true, !rs.getBoolean(1), rs.getLong(2), rs.getLong(3));
      }
    } catch (SQLException | RuntimeException e) {
      return Local.STOPPED;
    }
    if (sql.writable()) {
      lastTimeline = sql.timeline();
      return sql;
    }
    long timeline = Math.max(sql.timeline(), lastTimeline);
    Optional<ReplicationSpec> rep = desired.replication();
    if (rep.isPresent()) {
      Peer self = desired.selfPeer();
      PeerView v = PeerViewProbe.ask(self.host(), self.port(), rep.get(), SecretProbe.read(rep.get().passwordFile()),
          desired.postgres().ssl());
      if (v.error().isEmpty() && v.inRecovery()) {
        timeline = v.timeline();
      }
    }
    lastTimeline = timeline;
    return new Local(true, false, timeline, sql.lsn());
  }

  /** The application_name of every walsender of our server that streams: the peers that stream from us. */
  private Set<String> streamingFromUs() {
    Set<String> names = new HashSet<>();
    try (Connection c = HostProbe.localServer(desired).connect(); Statement st = c.createStatement()) {
      st.setQueryTimeout(seconds());
      try (ResultSet rs = st.executeQuery("select application_name from pg_stat_replication where state = 'streaming'")) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    } catch (SQLException | RuntimeException e) {
      // our server does not answer: nobody streams from it
    }
    return names;
  }

  /**
   * The walsenders that stream, then (a second statement, so strictly later) our WAL position: any
   * commit acknowledged before a standby was seen synchronous lies at or before it; and the
   * synchronous_standby_names the server has loaded (a new session reads the postmaster's).
   */
  @Override
  public Optional<Standbys> standbys() {
    try (Connection c = HostProbe.localServer(desired).connect(); Statement st = c.createStatement()) {
      st.setQueryTimeout(seconds());
      List<Standby> streaming = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("select application_name, sync_state,"
          + " coalesce(pg_wal_lsn_diff(flush_lsn, '0/0'), 0)::bigint from pg_stat_replication where state = 'streaming'")) {
        while (rs.next()) {
          streaming.add(new Standby(rs.getString(1), rs.getString(2), rs.getLong(3)));
        }
      }
      try (ResultSet rs = st.executeQuery("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,"
          + " current_setting('synchronous_standby_names')")) {
        rs.next();
        return Optional.of(new Standbys(streaming, rs.getLong(1), Optional.ofNullable(rs.getString(2))));
      }
    } catch (SQLException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<PeerPoll> pollPeers() {
    Optional<ReplicationSpec> rep = desired.replication();
    Secret secret = rep.map(r -> SecretProbe.read(r.passwordFile())).orElse(null);
    Map<Peer, Future<PeerView>> asked = new LinkedHashMap<>();
    for (Peer p : desired.peers()) {
      if (!p.name().equals(desired.self()) && rep.isPresent()) {
        asked.put(p, pool.submit(() -> PeerViewProbe.ask(p.host(), p.port(), rep.get(), secret, desired.postgres().ssl())));
      }
    }
    Set<String> streaming = streamingFromUs();
    long end = System.nanoTime() + timeout.toNanos();
    List<PeerPoll> polls = new ArrayList<>();
    for (Peer p : desired.peers()) {
      if (p.name().equals(desired.self())) {
        continue;
      }
      int priority = desired.failover().priority(p.name());
      Future<PeerView> f = asked.get(p);
      PeerView v = null;
      if (f != null) {
        try {
          v = f.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
          f.cancel(true);
        }
      }
      if (v == null || v.error().isPresent()) {
        polls.add(PeerPoll.silent(p.name(), priority));
        continue;
      }
      polls.add(new PeerPoll(p.name(), true, !v.inRecovery(), v.timeline(), lsn(v.lsn()), priority,
          streaming.contains(p.name()) ? Optional.of(desired.self()) : Optional.empty()));
    }
    return polls;
  }

  /** {@code X/Y} as a byte position; 0 when it does not parse. */
  static long lsn(String text) {
    if (text == null || !text.contains("/")) {
      return 0;
    }
    String[] parts = text.split("/");
    try {
      return (Long.parseLong(parts[0], 16) << 32) + Long.parseLong(parts[1], 16);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public void promote() throws Exception {
    try (Connection c = HostProbe.localServer(desired).connect(); Statement st = c.createStatement()) {
      st.setQueryTimeout(seconds() + 5);
      try (ResultSet rs = st.executeQuery("select pg_promote(true, " + seconds() + ")")) {
        rs.next();
        if (!rs.getBoolean(1)) {
          throw new IllegalStateException("pg_promote did not see the server promoted within " + seconds() + " s");
        }
      }
    }
  }

  @Override
  public void listSynchronousStandbys(String value) throws Exception {
    try (Connection c = HostProbe.localServer(desired).connect(); Statement st = c.createStatement()) {
      st.setQueryTimeout(seconds());
      st.execute("ALTER SYSTEM SET synchronous_standby_names = " + Sql.literal(value));
      st.execute("select pg_reload_conf()");
    }
    long end = System.nanoTime() + timeout.toNanos();
    String loaded = "";
    while (System.nanoTime() < end) {
      // a new session forks from the postmaster, so it shows what the postmaster has loaded
      try (Connection c = HostProbe.localServer(desired).connect(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("select current_setting('synchronous_standby_names')")) {
        rs.next();
        loaded = rs.getString(1);
      }
      if (value.equals(loaded)) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("the server did not load synchronous_standby_names = " + value + " within " + seconds()
        + " s (it shows " + (loaded.isEmpty() ? "none" : loaded) + ")");
  }

  @Override
  public void demote() {
    PostgresSpec pg = desired.postgres();
    if (!(BinaryProbe.locate(pg.bin()) instanceof BinaryFact.Found found)) {
      log.accept("cannot stop the server: no pg_ctl found");
      return;
    }
    Path pgCtl = found.directory().resolve("pg_ctl");
    String t = Integer.toString(seconds());
    CommandResult fast = commands.run(List.of(pgCtl.toString(), "stop", "-D", pg.data().toString(), "-m", "fast", "-w", "-t", t, "-s"),
        timeout.plusSeconds(5));
    if (fast.exitCode() == 0 || !observe().running() && !pg.data().resolve("postmaster.pid").toFile().exists()) {
      return;
    }
    log.accept("the fast stop did not end within " + t + " s: stopping immediately");
    CommandResult now = commands.run(List.of(pgCtl.toString(), "stop", "-D", pg.data().toString(), "-m", "immediate", "-w", "-t", t,
        "-s"), timeout.plusSeconds(5));
    if (now.exitCode() != 0 && observe().running()) {
      log.accept("the immediate stop failed too (exit " + now.exitCode() + ")");
    }
  }

  /** Ends the poll threads. */
  public void close() {
    pool.shutdownNow();
  }
}
