package io.pgconverge.apply;

import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.host.FilePort;
import io.pgconverge.host.ServerConnection;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A host in memory for the applier and the loop: a command runner that answers by program name
 * and records every argv, a file writer that keeps the files in a map (and removes them from it), a server whose connections
 * record every statement (or refuse to open), and a fixed clock. No PostgreSQL, no process.
 */
public final class InMemoryHost {
  /** 2026-12-01 22:00:00 UTC. */
  public static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T22:00:00Z"), ZoneOffset.UTC);

  public final Map<Path, String> files = new LinkedHashMap<>();
  public final Set<Path> unwritable = new HashSet<>();
  public final List<String> statements = new CopyOnWriteArrayList<>();
  public final List<List<String>> commands = new CopyOnWriteArrayList<>();
  private final Map<String, Function<List<String>, CommandResult>> programs = new LinkedHashMap<>();
  public boolean serverDown;
  /** Called after each file written (a test's hook, e.g. to set the daemon stopping). */
  public Runnable afterWrite = () -> {};

  /** {@code program} (the last part of argv[0]) exits {@code exit} with {@code stderr}; others exit 0. */
  public InMemoryHost answer(String program, int exit, String stdout, String stderr) {
    programs.put(program, argv -> new CommandResult(argv, exit, stdout, stderr, false));
    return this;
  }

  /** {@code program} answers with what {@code run} returns for its argv (called when it runs: a test may look at the host then). */
  public InMemoryHost on(String program, Function<List<String>, CommandResult> run) {
    programs.put(program, run);
    return this;
  }

  public HostPorts ports() {
    return new HostPorts(server(), commandRunner(), fileWriter(), CLOCK);
  }

  /** The programs run, in order (argv[0]'s file name; {@code pg_ctl start}, {@code pg_ctl stop} with their verb). */
  public List<String> programsRun() {
    List<String> out = new ArrayList<>();
    for (List<String> argv : commands) {
      String p = Path.of(argv.get(0)).getFileName().toString();
      out.add(p.equals("pg_ctl") ? p + " " + argv.get(1) : p);
    }
    return out;
  }

  private FilePort fileWriter() {
    return new FilePort() {
      @Override
      public void write(Path target, byte[] content) throws java.io.IOException {
        if (unwritable.contains(target)) {
          throw new java.io.IOException(target + ": Permission denied");
        }
        files.put(target, new String(content, StandardCharsets.UTF_8));
        afterWrite.run();
      }

      @Override
      public boolean remove(Path target) throws java.io.IOException {
        if (unwritable.contains(target)) {
          throw new java.io.IOException(target + ": Permission denied");
        }
        return files.remove(target) != null;
      }
    };
  }

  private Commands commandRunner() {
    return new Commands() {
      @Override
      public CommandResult run(List<String> argv, Map<String, String> env, Duration timeout) {
        commands.add(List.copyOf(argv));
        String program = Path.of(argv.get(0)).getFileName().toString();
        return programs.getOrDefault(program, a -> new CommandResult(a, 0, "", "", false)).apply(argv);
      }

      @Override
      public CommandResult runCancellable(List<String> argv, Duration timeout) {
        return run(argv, Map.of(), timeout);
      }

      @Override
      public void track(Process p) {}

      @Override
      public void forget(Process p) {}

      @Override
      public int cancelAll() {
        return 0;
      }
    };
  }

  private ServerConnection server() {
    return () -> {
      if (serverDown) {
        throw new SQLException("connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: No such file or directory",
            "08001");
      }
      return proxy(Connection.class, (self, m, args) -> switch (m.getName()) {
        case "createStatement" -> statement(null);
        case "prepareStatement" -> statement((String) args[0]);
        default -> defaultValue(m.getReturnType());
      });
    };
  }

  /** A statement that records what it runs; a prepared one records its SQL with the parameters set. */
  private Object statement(String prepared) {
    List<Object> params = new ArrayList<>();
    return proxy(PreparedStatement.class, (self, m, args) -> {
      switch (m.getName()) {
        case "execute", "executeQuery", "executeUpdate" -> {
          statements.add(args != null && args.length > 0 ? (String) args[0] : prepared + " " + params);
          if (m.getName().equals("executeQuery")) {
            throw new SQLException("the in-memory server answers no queries");
          }
          return defaultValue(m.getReturnType());
        }
        case "setString", "setInt" -> {
          params.add(args[1]);
          return null;
        }
        default -> {
          return defaultValue(m.getReturnType());
        }
      }
    });
  }

  private static Object defaultValue(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == int.class || type == long.class) {
      return type == int.class ? (Object) 0 : (Object) 0L;
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return (T) Proxy.newProxyInstance(InMemoryHost.class.getClassLoader(), new Class<?>[] {type}, handler);
  }
}
