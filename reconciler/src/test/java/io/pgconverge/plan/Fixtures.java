package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.HbaLineSpec;
import io.pgconverge.desired.Locations;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.Policy;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.RestartPolicy;
import io.pgconverge.desired.RoleSpec;
import io.pgconverge.observe.BinaryFact;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.DivergenceFact;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.LiveRole;
import io.pgconverge.observe.LiveSetting;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.Secret;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.UpstreamFact;
import io.pgconverge.pg.ScramSha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A desired state and the facts of a host that matches it exactly, to be bent by each test. */
final class Fixtures {
  static final Path DATA = Path.of("/srv/pg/data");
  static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
  static final Path APP_PASSWORD = Path.of("/etc/pgconverge/app.password");
  static final Path REPLICATOR_PASSWORD = Path.of("/etc/pgconverge/replicator.password");
  static final String REPLICATOR_SECRET = "repl-secret-1";

  final Map<String, String> settings = new LinkedHashMap<>();
  final List<String> hba = new ArrayList<>(List.of("local all postgres peer", "host all all 127.0.0.1/32 scram-sha-256",
      "host replication replicator peers scram-sha-256"));
  RestartPolicy restart = RestartPolicy.NEVER;
  String self = "node1";
  boolean slots = true;
  Optional<io.pgconverge.desired.SslSpec> ssl = Optional.empty();
  final List<RoleSpec> roles = new ArrayList<>();

  Fixtures() {
    settings.put("listen_addresses", "*");
    settings.put("wal_level", "replica");
    settings.put("work_mem", "4MB");
    settings.put("shared_buffers", "128MB");
    settings.put("wal_keep_size", "1GB");
    roles.add(new RoleSpec(0, "app", Optional.of(true), Optional.empty(), Optional.empty(), Optional.of(true),
        Optional.empty(), Optional.of(20), Optional.of(APP_PASSWORD)));
  }

  DesiredState desired() {
    List<HbaLineSpec> lines = new ArrayList<>();
    for (int i = 0; i < hba.size(); i++) {
      lines.add(new HbaLineSpec(i, hba.get(i)));
    }
    return new DesiredState(Path.of("/etc/pgconverge/desired-state.yaml"), 1, "main", self,
        List.of(new Peer("node1", "10.0.0.11", 5432, PeerRole.PRIMARY), new Peer("node2", "10.0.0.12", 5432, PeerRole.REPLICA)),
        new PostgresSpec(Optional.of(BIN), DATA, DATA, "postgres", List.of(), settings, lines, Path.of("/var/run/postgresql"), ssl),
        roles, Optional.of(new ReplicationSpec("replicator", REPLICATOR_PASSWORD, slots)),
        new Policy(restart), Locations.NONE);
  }

  /** The live pg_settings rows of a server running exactly the desired values. */
  static Map<String, LiveSetting> liveMatching() {
    Map<String, LiveSetting> m = new LinkedHashMap<>();
    String conf = DATA.resolve("postgresql.conf").toString();
    put(m, new LiveSetting("listen_addresses", "*", null, "string", "postmaster", "configuration file", conf, false));
    put(m, new LiveSetting("wal_level", "replica", null, "enum", "postmaster", "configuration file", conf, false));
    put(m, new LiveSetting("work_mem", "4096", "kB", "integer", "user", "configuration file", conf, false));
    put(m, new LiveSetting("shared_buffers", "16384", "8kB", "integer", "postmaster", "configuration file", conf, false));
    put(m, new LiveSetting("wal_keep_size", "1024", "MB", "integer", "sighup", "configuration file", conf, false));
    put(m, new LiveSetting("cluster_name", "main", null, "string", "postmaster", "configuration file", conf, false));
    put(m, new LiveSetting("port", "5432", null, "integer", "postmaster", "configuration file", conf, false));
    put(m, new LiveSetting("unix_socket_directories", "/var/run/postgresql", null, "string", "postmaster", "configuration file", conf, false));
    put(m, new LiveSetting("max_connections", "100", null, "integer", "postmaster", "default", null, false));
    return m;
  }

  private static void put(Map<String, LiveSetting> m, LiveSetting s) {
    m.put(s.name(), s);
  }

  /** A primary whose one replica, node2, streams through its slot. */
  static ServerFact.Replication replicationMatching() {
    return new ServerFact.Replication("7300000000000000001", 1,
        List.of(new io.pgconverge.observe.ReplicationRow(4242, "node2", "10.0.0.12", "streaming", "0/3000060", 0, false)),
        List.of(new io.pgconverge.observe.SlotRow("pgc_node2", "physical", true, "reserved")), Optional.empty(), true);
  }

  static final String APP_SECRET = "app-secret-1";
  static final String APP_VERIFIER = ScramSha256.verifier(APP_SECRET, "0123456789abcdef".getBytes(StandardCharsets.UTF_8), 4096);

  static Map<String, LiveRole> rolesMatching() {
    Map<String, LiveRole> m = new LinkedHashMap<>();
    m.put("postgres", new LiveRole("postgres", true, true, true, true, true, -1, Optional.empty()));
    m.put("app", new LiveRole("app", true, false, false, true, false, 20, Optional.of(APP_VERIFIER)));
    m.put("pgconverge_rewind", new LiveRole("pgconverge_rewind", true, false, false, false, false, -1,
        Optional.of(ScramSha256.verifier(REPLICATOR_SECRET, "fedcba9876543210".getBytes(StandardCharsets.UTF_8), 4096))));
    return m;
  }

  /** Facts of a host that already matches {@link #desired()}: same file bytes, same live values. */
  Facts converged() {
    return converged(liveMatching(), rolesMatching());
  }

  Facts converged(Map<String, LiveSetting> live, Map<String, LiveRole> roles) {
    return host().server(new ServerFact.Running(150000, false, Instant.EPOCH, live, roles, List.of(), replicationMatching()))
        .build();
  }

  boolean standbySignal = false;
  /** PGDATA's backup_label, or null for none. */
  String backupLabel;
  String passfile = null;

  /**
   * The facts of a host that matches {@link #desired()} as it is now (the same file bytes, a
   * running primary with the desired live values, its replica streaming), each part replaced by
   * name: {@code f.host().missingData().noConfigFiles().stopped("no data").build()}.
   */
  Host host() {
    return new Host();
  }

  final class Host {
    private DataDirectoryFact data = new DataDirectoryFact.Initialized(DATA, "15", Optional.empty());
    private boolean confGiven;
    private boolean hbaGiven;
    private String conf;
    private String hba;
    private String autoConf = "# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n";
    private ServerFact server =
        new ServerFact.Running(150000, false, Instant.EPOCH, liveMatching(), rolesMatching(), List.of(), replicationMatching());
    private PrimaryFact primary = new PrimaryFact.NotApplicable();
    private UpstreamFact upstream = new UpstreamFact.NotApplicable();
    private DivergenceFact divergence = new DivergenceFact.NotChecked();

    Host data(DataDirectoryFact d) {
      this.data = d;
      return this;
    }

    Host missingData() {
      return data(new DataDirectoryFact.Missing(DATA));
    }

    Host conf(String text) {
      this.conf = text;
      this.confGiven = true;
      return this;
    }

    Host hba(String text) {
      this.hba = text;
      this.hbaGiven = true;
      return this;
    }

    /** Neither postgresql.conf nor pg_hba.conf exists. */
    Host noConfigFiles() {
      return conf(null).hba(null);
    }

    Host autoConf(String text) {
      this.autoConf = text;
      return this;
    }

    Host server(ServerFact s) {
      this.server = s;
      return this;
    }

    Host stopped(String reason) {
      return server(new ServerFact.NotRunning(reason));
    }

    Host primary(PrimaryFact p) {
      this.primary = p;
      return this;
    }

    Host upstream(UpstreamFact u) {
      this.upstream = u;
      return this;
    }

    Host divergence(DivergenceFact d) {
      this.divergence = d;
      return this;
    }

    /** The facts; unless given, the two config files, standby.signal and the passfile as the fixture says now. */
    Facts build() {
      Map<Path, FileFact> files = new LinkedHashMap<>();
      files.put(DATA.resolve("postgresql.conf"), file(DATA.resolve("postgresql.conf"),
          confGiven ? conf : ManagedFiles.postgresqlConf(desired())));
      files.put(DATA.resolve("pg_hba.conf"), file(DATA.resolve("pg_hba.conf"), hbaGiven ? hba : ManagedFiles.hbaConf(desired())));
      files.put(DATA.resolve("postgresql.auto.conf"), file(DATA.resolve("postgresql.auto.conf"), autoConf));
      files.put(DATA.resolve("standby.signal"), file(DATA.resolve("standby.signal"), standbySignal ? "" : null));
      files.put(DATA.resolve("backup_label"), file(DATA.resolve("backup_label"), backupLabel));
      Path pass = desired().postgres().passfile();
      files.put(pass, file(pass, passfile));
      return new Facts(data, files, server,
          Map.of(APP_PASSWORD, new Secret.Readable(APP_PASSWORD, APP_SECRET),
              REPLICATOR_PASSWORD, new Secret.Readable(REPLICATOR_PASSWORD, REPLICATOR_SECRET)),
          new BinaryFact.Found(BIN), primary, upstream, List.of(), divergence);
    }
  }

  /** A plan builder for one step's test, as the steps before it leave it (binaries found). */
  PlanBuilder builder(Facts facts) {
    return builder(desired(), facts, PlanContext.DEFAULT);
  }

  static PlanBuilder builder(DesiredState desired, Facts facts, PlanContext context) {
    PlanBuilder b = new PlanBuilder(desired, facts, context);
    b.bin(BIN);
    return b;
  }

  static FileFact file(Path p, String text) {
    return text == null ? new FileFact.Absent(p) : new FileFact.Present(p, text.getBytes(StandardCharsets.UTF_8));
  }
}
