package io.pgconverge.apply;

import io.pgconverge.desired.RoleAttribute;
import io.pgconverge.desired.RoleAttribute;
import io.pgconverge.host.ServerConnection;
import io.pgconverge.host.TestCrashHook;
import io.pgconverge.observe.FileSettingError;
import io.pgconverge.observe.ServerProbe;
import io.pgconverge.pg.RecoveryRetryWait;
import io.pgconverge.pg.Rewind;
import io.pgconverge.pg.ScramSha256;
import io.pgconverge.pg.SettingValues;
import io.pgconverge.pg.Sql;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.ExpectedSetting;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The actions carried out as SQL on this host's own server: slots, promotion, the rewind role,
 * {@code ALTER SYSTEM RESET}, the reload and its confirmation, roles. Each opens its own
 * connection through the local-server port. A statement that carries a password is sent with
 * {@code log_statement} off, and only as a SCRAM verifier hashed here.
 */
final class SqlActions {
  private static final Pattern PENDING_RESTART_ERRORS =
      Pattern.compile("^setting could not be applied$|cannot be changed without restarting the server");

  private final ServerConnection server;

  SqlActions(ServerConnection server) {
    this.server = server;
  }

  void register(ActionHandlers handlers) {
    handlers.on(Action.CreateSlot.class, this::createSlot)
        .on(Action.DropSlot.class, this::dropSlot)
        .on(Action.Promote.class, this::promote)
        .on(Action.EnsureRewindRole.class, this::ensureRewindRole)
        .on(Action.ResetAlterSystem.class, this::resetAlterSystem)
        .on(Action.ReloadServer.class, this::reload)
        .on(Action.CreateRole.class, this::createRole)
        .on(Action.AlterRole.class, this::alterRole)
        .on(Action.SetPassword.class, this::setPassword);
  }

  private String createSlot(Action.CreateSlot a) throws SQLException {
    try (Connection c = server.connect();
        PreparedStatement ps = c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
      ps.setString(1, a.name());
      ps.execute();
    }
    return "created slot " + a.name();
  }

  private String dropSlot(Action.DropSlot a) throws SQLException {
    try (Connection c = server.connect();
        PreparedStatement ps = c.prepareStatement(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
      ps.setString(1, a.name());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? "dropped slot " + a.name() : "slot " + a.name() + " came into use meanwhile: left for a later run";
      }
    }
  }

  private String promote(Action.Promote a) throws SQLException, IOException {
    try (Connection c = server.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_promote(true, 60)")) {
      if (!rs.next() || !rs.getBoolean(1)) {
        throw new IOException("pg_promote did not finish within 60 s");
      }
    }
    try (Connection c = server.connect(); Statement st = c.createStatement()) {
      // pg_rewind (before 16) reads the new timeline from the control file: write it now
      st.execute("CHECKPOINT");
    }
    return "promoted: the server accepts writes (and checkpointed, so former primaries can rewind from it)";
  }

  private String ensureRewindRole(Action.EnsureRewindRole a) throws SQLException {
    String role = Sql.ident(Rewind.ROLE);
    try (Connection c = server.connect(); Statement st = c.createStatement()) {
      st.execute("SET log_statement = 'none'");
      st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = " + Sql.literal(Rewind.ROLE)
          + ") THEN CREATE ROLE " + role + " LOGIN; END IF; END $$");
      st.execute("ALTER ROLE " + role + " WITH LOGIN NOSUPERUSER NOREPLICATION PASSWORD "
          + Sql.literal(ScramSha256.newVerifier(a.password().value())));
      for (String f : Rewind.FUNCTIONS) {
        st.execute("GRANT EXECUTE ON FUNCTION " + f + " TO " + role);
      }
    }
    return "role " + Rewind.ROLE + " ready for pg_rewind";
  }

  private String resetAlterSystem(Action.ResetAlterSystem a) throws SQLException {
    try (Connection c = server.connect(); Statement st = c.createStatement()) {
      for (String name : a.names()) {
        st.execute("ALTER SYSTEM RESET " + Sql.ident(name));
      }
    }
    return "reset " + String.join(", ", a.names());
  }

  private String createRole(Action.CreateRole a) throws SQLException {
    StringBuilder sql = new StringBuilder("CREATE ROLE ").append(Sql.ident(a.spec().name()));
    List<String> clauses = RoleAttribute.createClauses(a.spec());
    if (!clauses.isEmpty()) {
      sql.append(" WITH ").append(String.join(" ", clauses));
    }
    if (a.password().isPresent()) {
      sql.append(" PASSWORD ").append(Sql.literal(ScramSha256.newVerifier(a.password().get().value())));
    }
    execute(sql.toString());
    return "created role " + a.spec().name() + (clauses.isEmpty() ? "" : " " + String.join(" ", clauses));
  }

  private String alterRole(Action.AlterRole a) throws SQLException {
    execute("ALTER ROLE " + Sql.ident(a.name()) + " WITH " + String.join(" ", a.clauses()));
    return "altered role " + a.name();
  }

  private String setPassword(Action.SetPassword a) throws SQLException {
    execute("ALTER ROLE " + Sql.ident(a.name()) + " PASSWORD " + Sql.literal(ScramSha256.newVerifier(a.password().value())));
    return "password of " + a.name() + " set";
  }

  /**
   * Checks the server's own view of its config files, signals the reload, waits until the
   * postmaster loaded them and then until {@code pg_settings} shows the expected values (10 s in
   * all).
   */
  private String reload(Action.ReloadServer a) throws SQLException, IOException {
    try (Connection c = server.connect(); Statement st = c.createStatement()) {
      // a restart-only setting whose value changed is reported as "setting could not be applied":
      // it waits for a restart (the plan reports it pending), the rest of the file loads
      List<FileSettingError> errors = ServerProbe.configErrors(st).stream()
          .filter(e -> !PENDING_RESTART_ERRORS.matcher(e.error()).find()).toList();
      if (!errors.isEmpty()) {
        List<String> parts = new ArrayList<>();
        for (FileSettingError e : errors) {
          parts.add(e.file() + ":" + e.line() + ": " + e.error());
        }
        throw new IOException("not reloaded: the server reports errors in its config files: " + String.join("; ", parts));
      }
      Timestamp before;
      try (ResultSet rs = st.executeQuery("SELECT pg_conf_load_time()")) {
        rs.next();
        before = rs.getTimestamp(1);
      }
      st.execute("SELECT pg_reload_conf()");
      TestCrashHook.at("reload:signalled");
      long deadline = System.nanoTime() + 10_000_000_000L;
      awaitLoaded(before, deadline);
      List<String> pending = new ArrayList<>();
      while (true) {
        pending.clear();
        try (PreparedStatement ps = c.prepareStatement("SELECT setting FROM pg_settings WHERE name = ?")) {
          for (ExpectedSetting e : a.expect()) {
            ps.setString(1, e.name());
            try (ResultSet rs = ps.executeQuery()) {
              String now = rs.next() ? rs.getString(1) : null;
              if (now == null || !(now.equals(e.value()) || SettingValues.sameMeaning(now, e.value(), e.vartype(), e.unit()))) {
                pending.add(e.name() + " is still " + now);
              }
            }
          }
        }
        if (pending.isEmpty()) {
          String done = a.expect().isEmpty() ? "reloaded" : "reloaded; the server now runs with the new values";
          return a.awaitReceiver().map(u -> done + "; " + awaitReceiver(st, u)).orElse(done);
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("reloaded, but the server did not take the new values within 10 s: " + String.join(", ", pending));
        }
        pause(20, "confirming the reload");
      }
    }
  }

  /**
   * A repointed standby's WAL receiver, watched every 50 ms for up to 3 s: the same receiver seen
   * streaming from the new upstream at two looks in a row ends the wait (one the new upstream
   * refuses lives a few milliseconds, showing as streaming); the startup process in PostgreSQL's
   * retry wait after a failed attempt gets another pg_reload_conf(), whose SIGHUP ends that wait
   * (at most one every 200 ms). Not
   * streaming by then is no failure: the server keeps retrying by itself, and the next run reports it.
   */
  private static String awaitReceiver(Statement st, RecoveryRetryWait.Upstream want) {
    long start = System.nanoTime();
    long deadline = start + 3_000_000_000L;
    long lastWake = 0;
    int wakes = 0;
    long streamingBefore = 0;
    try {
      while (true) {
        RecoveryRetryWait.Next next;
        long pid;
        try (ResultSet rs = st.executeQuery(
            "select r.status, r.pid, r.sender_host, r.sender_port, r.slot_name,"
                + " (select wait_event from pg_stat_activity where backend_type = 'startup')"
                + " from (select 1) one left join pg_stat_wal_receiver r on true")) {
          rs.next();
          pid = rs.getLong(2);
          next = RecoveryRetryWait.next(rs.getString(1), pid, rs.getString(3), rs.getInt(4), rs.getString(5), rs.getString(6), want,
              streamingBefore);
        }
        streamingBefore = next == RecoveryRetryWait.Next.CONFIRM ? pid : 0;
        long now = System.nanoTime();
        String woke = wakes == 0 ? "" : " (the startup process woken out of PostgreSQL's retry wait " + wakes
            + (wakes == 1 ? " time)" : " times)");
        if (next == RecoveryRetryWait.Next.STREAMING) {
          return "the WAL receiver streams from " + want.describe() + " after " + (now - start) / 1_000_000 + " ms" + woke;
        }
        if (now > deadline) {
          return "the WAL receiver does not stream from " + want.describe() + " yet (3 s)" + woke
              + "; the server retries by itself";
        }
        if (next == RecoveryRetryWait.Next.WAKE && now - lastWake > 200_000_000L) {
          st.execute("SELECT pg_reload_conf()");
          lastWake = now;
          wakes++;
        }
        pause(50, "waiting for the WAL receiver");
      }
    } catch (SQLException | IOException e) {
      return "the WAL receiver not seen streaming: " + e.getMessage();
    }
  }

  /**
   * Waits until the postmaster has loaded its config files again: a new connection (a backend
   * forked after the postmaster handled the SIGHUP, pg_hba.conf included) reports a {@code
   * pg_conf_load_time()} later than {@code before}.
   */
  private void awaitLoaded(Timestamp before, long deadline) throws SQLException, IOException {
    while (true) {
      try (Connection c = server.connect(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_conf_load_time()")) {
        rs.next();
        if (rs.getTimestamp(1).after(before)) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("reloaded, but the server did not load its config files again within 10 s");
      }
      pause(10, "confirming the reload");
    }
  }

  private static void pause(long millis, String what) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while " + what);
    }
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = server.connect(); Statement st = c.createStatement()) {
      st.execute("SET log_statement = 'none'");
      st.execute(sql);
    }
  }
}
