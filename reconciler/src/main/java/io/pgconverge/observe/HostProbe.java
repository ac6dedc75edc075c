package io.pgconverge.observe;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.RoleSpec;
import io.pgconverge.host.Aside;
import io.pgconverge.host.LocalServer;
import io.pgconverge.pg.Conninfo;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Reads this host into {@link Facts}: data directory, managed files, server, password files. Never writes. */
public final class HostProbe {
  private HostProbe() {}

  public static LocalServer localServer(DesiredState desired) {
    PostgresSpec pg = desired.postgres();
    return new LocalServer(pg.socketDirectory(), desired.port(), pg.user());
  }

  /** Finds the server this replica streams from (its live primary_conninfo) and asks it who it is. */
  static UpstreamFact upstream(DesiredState desired, ServerFact.Running r, ReplicationSpec rep, Secret secret) {
    LiveSetting conninfo = r.settings().get("primary_conninfo");
    if (conninfo == null || conninfo.setting() == null || conninfo.setting().isBlank()) {
      return new UpstreamFact.Unlisted("(none)", 0);
    }
    Map<String, String> c = Conninfo.parse(conninfo.setting());
    String host = c.getOrDefault("host", c.getOrDefault("hostaddr", ""));
    int port;
    try {
      port = Integer.parseInt(c.getOrDefault("port", "5432"));
    } catch (NumberFormatException e) {
      port = 5432;
    }
    for (Peer p : desired.peers()) {
      if (p.host().equals(host) && p.port() == port && !p.name().equals(desired.self())) {
        return new UpstreamFact.Asked(p.name(), host, port, PeerProbe.ask(host, port, rep, secret, desired.postgres().ssl()));
      }
    }
    return new UpstreamFact.Unlisted(host, port);
  }

  /** The pg_settings rows a plan needs whatever their source: managed and hot-standby-sensitive. */
  static java.util.Set<String> settingsOfInterest(DesiredState desired) {
    java.util.Set<String> names = new java.util.TreeSet<>(desired.managedSettingNames());
    names.addAll(io.pgconverge.pg.HotStandby.SENSITIVE_SETTINGS);
    return names;
  }

  /**
   * Reads the host. A replica asks its primary on a thread of its own while the local reads run
   * (data directory, files, the local server, pg_controldata): the two do not depend on each other,
   * and the primary's answer over TCP with SCRAM's key derivation is the longest of them (about
   * 30 ms warm, 60 ms in a fresh JVM), so a replica's pass takes the longer of the two, not their sum.
   */
  public static Facts observe(DesiredState desired) {
    PostgresSpec pg = desired.postgres();
    Map<Path, Secret> secrets = new LinkedHashMap<>();
    for (RoleSpec r : desired.roles()) {
      r.passwordFile().ifPresent(f -> secrets.computeIfAbsent(f, SecretProbe::read));
    }
    desired.replication().ifPresent(rep -> secrets.computeIfAbsent(rep.passwordFile(), SecretProbe::read));
    boolean replica = desired.selfPeer().role() == PeerRole.REPLICA;
    Optional<ReplicationSpec> replication = desired.replication();
    Aside<PeerAnswer> primaryAnswer = replica && replication.isPresent()
        ? askPrimaryAside(desired, replication.get(), secrets.get(replication.get().passwordFile()))
        : null;
    DataDirectoryFact data = DataDirectoryProbe.read(pg.data());
    Map<Path, FileFact> files = new LinkedHashMap<>();
    for (Path p : new Path[] {pg.postgresqlConf(), pg.hbaConf(), pg.autoConf(), pg.standbySignal(), pg.backupLabel(), pg.passfile()}) {
      files.put(p, FileProbe.read(p));
    }
    ServerFact server =
        data instanceof DataDirectoryFact.Initialized
            ? ServerProbe.read(localServer(desired), pg.data(), settingsOfInterest(desired))
            : new ServerFact.NotRunning("the data directory is not initialized");
    BinaryFact binaries = BinaryProbe.locate(pg.bin());
    if (data instanceof DataDirectoryFact.Initialized init && binaries instanceof BinaryFact.Found found && replica) {
      data = new DataDirectoryFact.Initialized(init.path(), init.pgVersion(), ControlDataProbe.read(found.directory(), pg.data()));
    }
    PrimaryFact primary = new PrimaryFact.NotApplicable();
    UpstreamFact upstream = new UpstreamFact.NotApplicable();
    DivergenceFact divergence = new DivergenceFact.NotChecked();
    if (replication.isPresent()) {
      ReplicationSpec rep = replication.get();
      Secret secret = secrets.get(rep.passwordFile());
      if (replica) {
        Peer p = desired.primary();
        PeerAnswer answer = primaryAnswer.join();
        primary = answer instanceof PeerAnswer.Answered a
            ? new PrimaryFact.Reachable(p.host(), p.port(), a)
            : new PrimaryFact.Unreachable(p.host(), p.port(),
                answer instanceof PeerAnswer.Refused r ? r.reason() : ((PeerAnswer.Silent) answer).reason());
        if (DivergenceProbe.due(server, primary)) {
          divergence = DivergenceProbe.read(localServer(desired), desired.selfPeer(), (PrimaryFact.Reachable) primary, rep, secret,
              pg.ssl());
        }
      } else if (server instanceof ServerFact.Running r && r.inRecovery()) {
        upstream = upstream(desired, r, rep, secret);
      }
    }
    return new Facts(data, files, server, secrets, binaries, primary, upstream, PackagedClusterProbe.find(PackagedClusterProbe.ROOT),
        divergence);
  }

  /** {@link PeerProbe#ask} of the primary on a thread of its own (bounded by the probe's connect and socket timeouts). */
  private static Aside<PeerAnswer> askPrimaryAside(DesiredState desired, ReplicationSpec rep, Secret secret) {
    Peer p = desired.primary();
    return Aside.start("pgconverge-primary-probe", () -> PeerProbe.ask(p.host(), p.port(), rep, secret, desired.postgres().ssl()));
  }
}
