package io.pgconverge.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A mutable builder for a version-1 desired-state file describing one primary on a test host.
 * Starts out as the seed the issue describes (two roles, replication settings, four hba lines,
 * restart policy {@code never}); tests change what they need and {@link TestHost#writeDesired()}
 * writes it. Has no side effects of its own.
 *
 * <p>Setting values are written as single-quoted YAML strings unless they are plain integers, so
 * {@code on} stays the string PostgreSQL expects rather than a YAML boolean.
 */
public final class DesiredStateFile {
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

  private String cluster = "itcluster";
  private String self = "node1";
  private final int port;
  private Path pgBin;
  private final Path data;
  private final Path socketDirectory;
  private final Map<String, String> settings = new LinkedHashMap<>();
  private final List<String> hba = new ArrayList<>();
  private final List<Role> roles = new ArrayList<>();
  private String replicationUser = "replicator";
  private Path replicationPasswordFile;
  private String restartPolicy = "never";
  private String window;
  private String schedule;

  /** A role entry under {@code roles:}; attributes are written in the order they were set. */
  public static final class Role {
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    Role(String name) {
      attributes.put("name", name);
    }

    public String name() {
      return (String) attributes.get("name");
    }

    /** Sets an attribute ({@code login}, {@code createdb}, {@code connection_limit}, ...). */
    public Role set(String attribute, Object value) {
      attributes.put(attribute, value);
      return this;
    }

    public Role remove(String attribute) {
      attributes.remove(attribute);
      return this;
    }
  }

  DesiredStateFile(int port, Path pgBin, Path data, Path socketDirectory, Path passwordDir) {
    this.port = port;
    this.pgBin = pgBin;
    this.data = data;
    this.socketDirectory = socketDirectory;
    settings.put("listen_addresses", "127.0.0.1");
    settings.put("wal_level", "replica");
    settings.put("wal_log_hints", "on");
    settings.put("max_wal_senders", "5");
    settings.put("wal_keep_size", "152MB");
    settings.put("hot_standby", "on");
    settings.put("work_mem", "4MB");
    hba.addAll(
        List.of(
            "local all postgres peer",
            "local all all peer",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host replication replicator peers scram-sha-256"));
    replicationPasswordFile = passwordDir.resolve("replicator.password");
    roles.add(
        new Role("replicator")
            .set("login", true)
            .set("replication", true)
            .set("password_file", replicationPasswordFile));
    roles.add(
        new Role("app")
            .set("login", true)
            .set("createdb", true)
            .set("connection_limit", 20)
            .set("password_file", passwordDir.resolve("app.password")));
  }

  /** Sets (or replaces, keeping its position) a postgresql.conf setting. */
  public DesiredStateFile setting(String name, String value) {
    settings.put(name, value);
    return this;
  }

  public DesiredStateFile removeSetting(String name) {
    settings.remove(name);
    return this;
  }

  public Map<String, String> settings() {
    return settings;
  }

  /** Replaces the hba lines. */
  public DesiredStateFile hba(List<String> lines) {
    hba.clear();
    hba.addAll(lines);
    return this;
  }

  public List<String> hba() {
    return hba;
  }

  /** The role entry called {@code name}, added at the end when there is none. */
  public Role role(String name) {
    return roles.stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseGet(
            () -> {
              Role r = new Role(name);
              roles.add(r);
              return r;
            });
  }

  public DesiredStateFile removeRole(String name) {
    roles.removeIf(r -> r.name().equals(name));
    return this;
  }

  /** {@code never} or {@code always}. */
  public DesiredStateFile restartPolicy(String policy) {
    this.restartPolicy = policy;
    return this;
  }

  /** The {@code schedule:} section as a YAML flow mapping, e.g. {@code {every: 2s}}; null for none. */
  public DesiredStateFile schedule(String flowMapping) {
    this.schedule = flowMapping;
    return this;
  }

  /** The {@code policy.window} as a YAML flow mapping, e.g. {@code {cron: '* * * * * ?', duration: 1m}}. */
  public DesiredStateFile window(String flowMapping) {
    this.window = flowMapping;
    return this;
  }

  /** Points {@code postgres.bin} somewhere else (wrapper scripts). */
  public DesiredStateFile bin(Path dir) {
    this.pgBin = dir;
    return this;
  }

  public DesiredStateFile cluster(String name) {
    this.cluster = name;
    return this;
  }

  /** The YAML text. Has no side effects. */
  public String render() {
    StringBuilder y = new StringBuilder();
    y.append("# desired state written by the pgconverge integration tests\n");
    y.append("version: 1\n");
    y.append("cluster: ").append(quote(cluster)).append('\n');
    y.append("self: ").append(quote(self)).append('\n');
    y.append("peers:\n");
    y.append("  - {name: ").append(quote(self)).append(", host: 127.0.0.1, port: ").append(port)
        .append(", role: primary}\n");
    y.append("postgres:\n");
    y.append("  bin: ").append(quote(pgBin)).append('\n');
    y.append("  data: ").append(quote(data)).append('\n');
    y.append("  socket_directory: ").append(quote(socketDirectory)).append('\n');
    y.append("  user: ").append(quote(PostgresUser.NAME)).append('\n');
    y.append("  settings:\n");
    settings.forEach((k, v) -> y.append("    ").append(k).append(": ").append(quote(v)).append('\n'));
    y.append("  hba:\n");
    hba.forEach(line -> y.append("    - ").append(quote(line)).append('\n'));
    y.append("roles:\n");
    for (Role r : roles) {
      y.append("  - {");
      String sep = "";
      for (Map.Entry<String, Object> a : r.attributes.entrySet()) {
        y.append(sep).append(a.getKey()).append(": ").append(quote(a.getValue()));
        sep = ", ";
      }
      y.append("}\n");
    }
    y.append("replication: {user: ").append(quote(replicationUser))
        .append(", password_file: ").append(quote(replicationPasswordFile)).append("}\n");
    y.append("policy: {restart: ").append(restartPolicy)
        .append(window == null ? "" : ", window: " + window).append("}\n");
    if (schedule != null) {
      y.append("schedule: ").append(schedule).append('\n');
    }
    return y.toString();
  }

  /** A YAML scalar: integers and booleans plain, everything else single-quoted. */
  static String quote(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
      return value.toString();
    }
    String s = value.toString();
    if (INTEGER.matcher(s).matches()) {
      return s;
    }
    return "'" + s.replace("'", "''") + "'";
  }
}
