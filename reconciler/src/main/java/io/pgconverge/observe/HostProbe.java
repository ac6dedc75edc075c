package io.pgconverge.observe;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.desired.RoleSpec;
import io.pgconverge.host.LocalServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads this host into {@link Facts}: data directory, managed files, server, password files. Never writes. */
public final class HostProbe {
  private HostProbe() {}

  public static LocalServer localServer(DesiredState desired) {
    PostgresSpec pg = desired.postgres();
    return new LocalServer(pg.socketDirectory(), desired.port(), pg.user());
  }

  public static Facts observe(DesiredState desired) {
    PostgresSpec pg = desired.postgres();
    DataDirectoryFact data = DataDirectoryProbe.read(pg.data());
    Map<Path, FileFact> files = new LinkedHashMap<>();
    for (Path p : new Path[] {pg.postgresqlConf(), pg.hbaConf(), pg.autoConf(), pg.standbySignal(), pg.passfile()}) {
      files.put(p, FileProbe.read(p));
    }
    ServerFact server =
        data instanceof DataDirectoryFact.Initialized
            ? ServerProbe.read(localServer(desired), pg.data())
            : new ServerFact.NotRunning("the data directory is not initialized");
    Map<Path, Secret> secrets = new LinkedHashMap<>();
    for (RoleSpec r : desired.roles()) {
      r.passwordFile().ifPresent(f -> secrets.computeIfAbsent(f, SecretProbe::read));
    }
    desired.replication().ifPresent(rep -> secrets.computeIfAbsent(rep.passwordFile(), SecretProbe::read));
    BinaryFact binaries = BinaryProbe.locate(pg.bin());
    if (data instanceof DataDirectoryFact.Initialized init && binaries instanceof BinaryFact.Found found
        && desired.selfPeer().role() == PeerRole.REPLICA) {
      data = new DataDirectoryFact.Initialized(init.path(), init.pgVersion(), ControlDataProbe.read(found.directory(), pg.data()));
    }
    PrimaryFact primary = new PrimaryFact.NotApplicable();
    if (desired.selfPeer().role() == PeerRole.REPLICA && desired.replication().isPresent()) {
      ReplicationSpec rep = desired.replication().get();
      primary = PrimaryProbe.read(desired.primary(), rep, secrets.get(rep.passwordFile()), pg.ssl());
    }
    return new Facts(data, files, server, secrets, binaries, primary);
  }
}
