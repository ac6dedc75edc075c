package io.pgconverge.apply;

import io.pgconverge.desired.RoleSpec;
import io.pgconverge.host.LocalServer;
import io.pgconverge.host.TestCrashHook;
import io.pgconverge.observe.FileSettingError;
import io.pgconverge.observe.ServerProbe;
import io.pgconverge.pg.Passfile;
import io.pgconverge.pg.Rewind;
import io.pgconverge.pg.ScramSha256;
import io.pgconverge.pg.SettingValues;
import io.pgconverge.pg.Sql;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.ExpectedSetting;
import io.pgconverge.plan.Stage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * Carries out a plan's actions in order and says what became of each: applied, skipped or failed.
 * A failed action marks the stage it provides as failed, and later actions that need that stage
 * are skipped; the others still run. In check mode only actions that change nothing run.
 */
public final class Applier {
  private final LocalServer server;
  private final boolean checkOnly;
  private final IntFunction<String> fieldOfConfLine;
  private final BooleanSupplier cancelled;
  private final ApplyEvents events;
  private boolean replan;

  /**
   * @param fieldOfConfLine names the desired-state field behind a line of the rendered
   *     postgresql.conf, so the server's complaint can point at what the user wrote
   */
  public Applier(LocalServer server, boolean checkOnly, IntFunction<String> fieldOfConfLine) {
    this(server, checkOnly, fieldOfConfLine, () -> false);
  }

  /**
   * @param cancelled asked before each action; once true, no further action starts (each is
   *     reported as skipped) — how a stopping daemon lets the current action end and starts no other
   */
  public Applier(LocalServer server, boolean checkOnly, IntFunction<String> fieldOfConfLine, BooleanSupplier cancelled) {
    this(server, checkOnly, fieldOfConfLine, cancelled, ApplyEvents.NONE);
  }

  /** @param events told of each outcome as it happens, and of a long copy's progress */
  public Applier(LocalServer server, boolean checkOnly, IntFunction<String> fieldOfConfLine, BooleanSupplier cancelled,
      ApplyEvents events) {
    this.server = server;
    this.checkOnly = checkOnly;
    this.fieldOfConfLine = fieldOfConfLine;
    this.cancelled = cancelled;
    this.events = events;
  }

  public List<Outcome> apply(List<Action> actions) {
    List<Outcome> outcomes = new ArrayList<>();
    Set<Stage> failed = EnumSet.noneOf(Stage.class);
    replan = false;
    for (Action a : actions) {
      if (cancelled.getAsBoolean()) {
        skip(outcomes, new Outcome.Skipped(a, "pgconverge is stopping"));
        continue;
      }
      if (replan) {
        skip(outcomes, new Outcome.Skipped(a, "planned again in the next pass: the data directory was moved aside"));
        continue;
      }
      Optional<Stage> blocked = a.needs().stream().filter(failed::contains).findFirst();
      if (blocked.isPresent()) {
        skip(outcomes, new Outcome.Skipped(a, "skipped because an earlier step of " + blocked.get().name().toLowerCase().replace('_', ' ') + " failed"));
        continue;
      }
      if (checkOnly && a.mutates()) {
        skip(outcomes, new Outcome.Skipped(a, "check only"));
        continue;
      }
      Outcome o;
      long t0 = System.nanoTime();
      Duration took;
      try {
        TestCrashHook.at("before:" + crashPointName(a));
        String detail = run(a);
        TestCrashHook.at("after:" + crashPointName(a));
        took = Duration.ofNanos(System.nanoTime() - t0);
        o = new Outcome.Applied(a, detail + " (" + took.toMillis() + " ms)");
      } catch (IOException | SQLException | RuntimeException e) {
        took = Duration.ofNanos(System.nanoTime() - t0);
        o = new Outcome.Failed(a, message(e) + " (after " + took.toMillis() + " ms)");
      }
      if (o instanceof Outcome.Failed) {
        a.provides().ifPresent(failed::add);
      }
      outcomes.add(o);
      events.outcome(o, took);
    }
    return outcomes;
  }

  private void skip(List<Outcome> outcomes, Outcome.Skipped s) {
    outcomes.add(s);
    events.outcome(s, Duration.ZERO);
  }

  /** The action's name in {@link TestCrashHook} points: its type, and for a file write the file's name. */
  static String crashPointName(Action a) {
    return a.getClass().getSimpleName() + (a instanceof Action.WriteFile w ? "(" + w.path().getFileName() + ")" : "");
  }

  private static String message(Exception e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  private String run(Action action) throws IOException, SQLException {
    if (action instanceof Action.InitDataDirectory a) {
      return DataDirectoryBuilder.initdb(a);
    } else if (action instanceof Action.BaseBackup a) {
      return DataDirectoryBuilder.basebackup(a, events);
    } else if (action instanceof Action.WritePassfile a) {
      AtomicFiles.write(a.path(), Passfile.render(a.host(), a.port(), List.of(a.user(), Rewind.ROLE), a.password().value())
          .getBytes(StandardCharsets.UTF_8));
      return "wrote " + a.path() + " (mode 0600)";
    } else if (action instanceof Action.CreateSlot a) {
      try (Connection c = server.connect();
          PreparedStatement ps = c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
        ps.setString(1, a.name());
        ps.execute();
      }
      return "created slot " + a.name();
    } else if (action instanceof Action.DropSlot a) {
      try (Connection c = server.connect();
          PreparedStatement ps = c.prepareStatement(
              "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
        ps.setString(1, a.name());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? "dropped slot " + a.name() : "slot " + a.name() + " came into use meanwhile: left for a later run";
        }
      }
    } else if (action instanceof Action.Promote a) {
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
    } else if (action instanceof Action.StopServer a) {
      ServerControl.stop(a.bin(), a.configDir());
      return "server stopped cleanly";
    } else if (action instanceof Action.Rewind a) {
      RewindResult r = RewindRunner.run(a);
      replan = r.movedAside();
      return r.detail();
    } else if (action instanceof Action.EnsureRewindRole a) {
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
    } else if (action instanceof Action.ValidateConfig a) {
      return validate(a);
    } else if (action instanceof Action.WriteFile a) {
      AtomicFiles.write(a.path(), a.content().getBytes(StandardCharsets.UTF_8));
      return "wrote " + a.path();
    } else if (action instanceof Action.StartServer a) {
      if (a.afterCrash()) {
        return ServerControl.startAfterCrash(a.bin(), a.configDir(), a.data(), a.logFile());
      }
      ServerControl.start(a.bin(), a.configDir(), a.logFile());
      return "server started";
    } else if (action instanceof Action.RestartServer a) {
      ServerControl.stop(a.bin(), a.configDir());
      ServerControl.start(a.bin(), a.configDir(), a.logFile());
      return "server restarted";
    } else if (action instanceof Action.ResetAlterSystem a) {
      try (Connection c = server.connect(); Statement st = c.createStatement()) {
        for (String name : a.names()) {
          st.execute("ALTER SYSTEM RESET " + Sql.ident(name));
        }
      }
      return "reset " + String.join(", ", a.names());
    } else if (action instanceof Action.ReloadServer a) {
      return reload(a);
    } else if (action instanceof Action.CreateRole a) {
      StringBuilder sql = new StringBuilder("CREATE ROLE ").append(Sql.ident(a.spec().name()));
      List<String> clauses = createClauses(a.spec());
      if (!clauses.isEmpty()) {
        sql.append(" WITH ").append(String.join(" ", clauses));
      }
      if (a.password().isPresent()) {
        sql.append(" PASSWORD ").append(Sql.literal(ScramSha256.newVerifier(a.password().get().value())));
      }
      execute(sql.toString());
      return "created role " + a.spec().name() + (clauses.isEmpty() ? "" : " " + String.join(" ", clauses));
    } else if (action instanceof Action.AlterRole a) {
      execute("ALTER ROLE " + Sql.ident(a.name()) + " WITH " + String.join(" ", a.clauses()));
      return "altered role " + a.name();
    } else if (action instanceof Action.SetPassword a) {
      execute("ALTER ROLE " + Sql.ident(a.name()) + " PASSWORD " + Sql.literal(ScramSha256.newVerifier(a.password().value())));
      return "password of " + a.name() + " set";
    }
    throw new IllegalStateException("no handler for " + action.getClass().getSimpleName());
  }

  private String validate(Action.ValidateConfig a) throws IOException {
    List<String> problems = ConfigValidator.problems(a.bin(), a.content());
    if (problems.isEmpty()) {
      return "accepted by " + a.bin().resolve("postgres");
    }
    StringBuilder sb = new StringBuilder("the server would reject the new postgresql.conf, so it was not written: ");
    List<String> parts = new ArrayList<>();
    for (String p : problems) {
      int line = ConfigValidator.lineOf(p);
      String field = line > 0 ? fieldOfConfLine.apply(line) : null;
      parts.add(p + (field == null ? "" : " [" + field + "]"));
    }
    sb.append(String.join("; ", parts));
    throw new IOException(sb.toString());
  }

  private static final java.util.regex.Pattern PENDING_RESTART_ERRORS =
      java.util.regex.Pattern.compile("^setting could not be applied$|cannot be changed without restarting the server");

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
      java.sql.Timestamp before;
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
          return a.expect().isEmpty() ? "reloaded" : "reloaded; the server now runs with the new values";
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("reloaded, but the server did not take the new values within 10 s: " + String.join(", ", pending));
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while confirming the reload");
        }
      }
    }
  }

  /**
   * Waits until the postmaster has loaded its config files again: a new connection (a backend
   * forked after the postmaster handled the SIGHUP, pg_hba.conf included) reports a {@code
   * pg_conf_load_time()} later than {@code before}.
   */
  private void awaitLoaded(java.sql.Timestamp before, long deadline) throws SQLException, IOException {
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
      try {
        Thread.sleep(10);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while confirming the reload");
      }
    }
  }

  private static List<String> createClauses(RoleSpec s) {
    return io.pgconverge.desired.RoleAttribute.createClauses(s);
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = server.connect(); Statement st = c.createStatement()) {
      st.execute("SET log_statement = 'none'");
      st.execute(sql);
    }
  }
}
