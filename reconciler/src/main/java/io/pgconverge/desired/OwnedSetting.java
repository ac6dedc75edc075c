package io.pgconverge.desired;

import io.pgconverge.pg.ReplicationSlots;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The settings pgconverge writes into postgresql.conf itself, from fields other than {@code
 * postgres.settings}: the one table behind validation (they must not appear in {@code
 * postgres.settings}), rendering (their values, in this order, head the managed file) and drift
 * (the field a message points to). Has no side effects.
 */
public enum OwnedSetting {
  CLUSTER_NAME("cluster_name", "cluster", d -> Optional.of(d.cluster()), d -> d.where("cluster")),
  PORT("port", "this host's peers[i].port", d -> Optional.of(Integer.toString(d.port())),
      d -> d.where("peers[" + d.peers().indexOf(d.selfPeer()) + "].port")),
  UNIX_SOCKET_DIRECTORIES("unix_socket_directories", "postgres.socket_directory",
      d -> Optional.of(d.postgres().socketDirectory().toString()), d -> "postgres.socket_directory"),
  DATA_DIRECTORY("data_directory", "postgres.data", d -> separate(d, d.postgres().data().toString()),
      d -> d.where("postgres.data")),
  HBA_FILE("hba_file", "postgres.config", d -> separate(d, d.postgres().hbaConf().toString()), d -> "postgres.config"),
  IDENT_FILE("ident_file", "postgres.config", d -> separate(d, d.postgres().identConf().toString()), d -> "postgres.config"),
  SSL("ssl", "postgres.ssl", d -> d.postgres().ssl().map(s -> "on"), d -> "postgres.ssl"),
  SSL_CERT_FILE("ssl_cert_file", "postgres.ssl.cert_file", d -> d.postgres().ssl().map(s -> s.certFile().toString()),
      d -> "postgres.ssl"),
  SSL_KEY_FILE("ssl_key_file", "postgres.ssl.key_file", d -> d.postgres().ssl().map(s -> s.keyFile().toString()),
      d -> "postgres.ssl"),
  SSL_CA_FILE("ssl_ca_file", "postgres.ssl.ca_file", d -> d.postgres().ssl().map(s -> s.caFile().toString()),
      d -> "postgres.ssl"),
  PRIMARY_CONNINFO("primary_conninfo", "peers and replication (on a replica)",
      d -> streamsFromPrimary(d) ? Optional.of(ReplicationConninfo.primary(d)) : Optional.empty(),
      d -> d.where("peers[" + d.peers().indexOf(d.primary()) + "].host") + " and replication"),
  PRIMARY_SLOT_NAME("primary_slot_name", "replication.slots (on a replica)",
      d -> streamsFromPrimary(d) && d.replication().get().slots()
          ? Optional.of(ReplicationSlots.forPeer(d.self())) : Optional.empty(),
      d -> "replication.slots"),
  SYNCHRONOUS_STANDBY_NAMES("synchronous_standby_names", "replication.synchronous and peers[].nosync (on the primary)",
      d -> d.selfPeer().role() == PeerRole.PRIMARY
          ? d.replication().flatMap(ReplicationSpec::synchronous).map(s -> s.degraded() ? "" : s.standbyNames(d.self()))
          : Optional.empty(),
      d -> d.where("replication.synchronous")),
  /** Never written (the server is started with the config directory); only refused in postgres.settings. */
  CONFIG_FILE("config_file", "postgres.config", d -> Optional.empty(), d -> "postgres.config");

  private final String setting;
  private final String source;
  private final Function<DesiredState, Optional<String>> value;
  private final Function<DesiredState, String> where;

  OwnedSetting(String setting, String source, Function<DesiredState, Optional<String>> value,
      Function<DesiredState, String> where) {
    this.setting = setting;
    this.source = source;
    this.value = value;
    this.where = where;
  }

  /** The PostgreSQL setting name. */
  public String setting() {
    return setting;
  }

  /** The desired-state field it comes from, as validation names it. */
  public String source() {
    return source;
  }

  /** Its value under {@code desired}, or empty when this host does not write it. */
  public Optional<String> value(DesiredState desired) {
    return value.apply(desired);
  }

  /** The field of {@code desired} a drift of this setting points to, for messages. */
  public String where(DesiredState desired) {
    return where.apply(desired);
  }

  public static Optional<OwnedSetting> of(String setting) {
    for (OwnedSetting o : values()) {
      if (o.setting.equals(setting)) {
        return Optional.of(o);
      }
    }
    return Optional.empty();
  }

  /** The values this host writes, in table order. */
  public static Map<String, String> valuesFor(DesiredState desired) {
    Map<String, String> out = new LinkedHashMap<>();
    for (OwnedSetting o : values()) {
      o.value(desired).ifPresent(v -> out.put(o.setting, v));
    }
    return out;
  }

  /** Setting name to the field it comes from, every row. */
  public static Map<String, String> sourceByName() {
    Map<String, String> out = new LinkedHashMap<>();
    for (OwnedSetting o : values()) {
      out.put(o.setting, o.source);
    }
    return Collections.unmodifiableMap(out);
  }

  private static Optional<String> separate(DesiredState d, String value) {
    return d.postgres().separateConfig() ? Optional.of(value) : Optional.empty();
  }

  private static boolean streamsFromPrimary(DesiredState d) {
    return d.selfPeer().role() == PeerRole.REPLICA && d.replication().isPresent();
  }
}
