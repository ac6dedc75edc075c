package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.HbaLineSpec;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.pg.ConfRenderer;
import io.pgconverge.pg.Conninfo;
import io.pgconverge.pg.HbaLine;
import io.pgconverge.pg.HbaSyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders the two managed config files from the desired state, in memory. Has no side effects:
 * the same desired state always gives the same bytes, so a converged host sees no difference.
 */
public final class ManagedFiles {
  public static final String HEADER = "managed by pgconverge; edits are reverted";

  private ManagedFiles() {}

  /**
   * The settings the reconciler sets itself from other fields of the desired state, then the
   * user's {@code postgres.settings}, in that order.
   */
  public static Map<String, String> settings(DesiredState desired) {
    PostgresSpec pg = desired.postgres();
    Map<String, String> all = new LinkedHashMap<>(owned(desired));
    all.putAll(pg.settings());
    return all;
  }

  /** Settings derived from fields other than postgres.settings; their value's origin for messages. */
  public static Map<String, String> owned(DesiredState desired) {
    PostgresSpec pg = desired.postgres();
    Map<String, String> owned = new LinkedHashMap<>();
    owned.put("cluster_name", desired.cluster());
    owned.put("port", Integer.toString(desired.port()));
    owned.put("unix_socket_directories", pg.socketDirectory().toString());
    if (pg.separateConfig()) {
      owned.put("data_directory", pg.data().toString());
      owned.put("hba_file", pg.hbaConf().toString());
      owned.put("ident_file", pg.identConf().toString());
    }
    pg.ssl().ifPresent(ssl -> {
      owned.put("ssl", "on");
      owned.put("ssl_cert_file", ssl.certFile().toString());
      owned.put("ssl_key_file", ssl.keyFile().toString());
      owned.put("ssl_ca_file", ssl.caFile().toString());
    });
    SynchronousStandbys.of(desired).ifPresent(v -> owned.put(SynchronousStandbys.SETTING, v));
    if (isReplica(desired) && desired.replication().isPresent()) {
      owned.put("primary_conninfo", primaryConninfo(desired));
      if (desired.replication().get().slots()) {
        owned.put("primary_slot_name", slotName(desired.self()));
      }
    }
    return owned;
  }

  public static boolean isReplica(DesiredState desired) {
    return desired.selfPeer().role() == PeerRole.REPLICA;
  }

  /**
   * How this replica reaches its primary: host, port, user, the passfile beside PGDATA (never a
   * password), application_name = this peer's name (so the primary's pg_stat_replication names
   * it), and TLS with full verification when postgres.ssl is set.
   */
  public static String primaryConninfo(DesiredState desired) {
    Peer primary = desired.primary();
    Map<String, String> c = new LinkedHashMap<>();
    c.put("host", primary.host());
    c.put("port", Integer.toString(primary.port()));
    c.put("user", desired.replication().orElseThrow().user());
    c.put("passfile", desired.postgres().passfile().toString());
    c.put("application_name", desired.self());
    if (desired.postgres().ssl().isPresent()) {
      c.put("sslmode", "verify-full");
      c.put("sslrootcert", desired.postgres().ssl().get().caFile().toString());
    } else {
      c.put("sslmode", "prefer");
    }
    return Conninfo.render(c);
  }

  /** The physical slot the primary keeps for a replica peer: {@code pgc_<name>}, lower-cased, [a-z0-9_] only. */
  public static String slotName(String peerName) {
    return "pgc_" + peerName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** The field of the desired state a managed setting comes from, for messages. */
  public static String fieldOf(DesiredState desired, String setting) {
    return switch (setting) {
      case "cluster_name" -> desired.where("cluster");
      case "port" -> desired.where("peers[" + desired.peers().indexOf(desired.selfPeer()) + "].port");
      case "unix_socket_directories" -> "postgres.socket_directory";
      case "data_directory" -> desired.where("postgres.data");
      case "hba_file", "ident_file" -> "postgres.config";
      case "primary_conninfo" -> desired.where("peers[" + desired.peers().indexOf(desired.primary()) + "].host") + " and replication";
      case "primary_slot_name" -> "replication.slots";
      case SynchronousStandbys.SETTING -> desired.where("replication.synchronous");
      case "ssl", "ssl_cert_file", "ssl_key_file", "ssl_ca_file" -> "postgres.ssl";
      default -> desired.where("postgres.settings." + setting);
    };
  }

  public static String postgresqlConf(DesiredState desired) {
    return ConfRenderer.render(header(desired), settings(desired));
  }

  public static String hbaConf(DesiredState desired) {
    StringBuilder sb = new StringBuilder();
    for (String h : header(desired)) {
      sb.append("# ").append(h).append('\n');
    }
    sb.append('\n');
    for (HbaLine line : hbaLines(desired)) {
      sb.append(line.render()).append('\n');
    }
    return sb.toString();
  }

  /** The hba lines in order, with the address {@code peers} expanded to one line per peer host. */
  public static List<HbaLine> hbaLines(DesiredState desired) {
    List<HbaLine> out = new ArrayList<>();
    for (HbaLineSpec spec : desired.postgres().hba()) {
      HbaLine line;
      try {
        line = HbaLine.parse(spec.text());
      } catch (HbaSyntaxException e) {
        throw new IllegalStateException("validated hba line no longer parses: " + spec.field(), e);
      }
      if (line.address().filter("peers"::equals).isPresent()) {
        Set<String> seen = new LinkedHashSet<>();
        for (Peer p : desired.peers()) {
          String addr = addressOf(p.host());
          if (seen.add(addr)) {
            out.add(line.withAddress(addr));
          }
        }
      } else {
        out.add(line);
      }
    }
    if (desired.replication().isPresent()) {
      out = withRewindLines(desired, out);
    }
    if (desired.postgres().ssl().isPresent()) {
      List<HbaLine> tls = new ArrayList<>();
      for (HbaLine l : out) {
        boolean replication = l.databases().contains("replication") || l.users().contains(io.pgconverge.pg.Rewind.ROLE);
        tls.add(replication && l.type().equals("host")
            ? new HbaLine("hostssl", l.databases(), l.users(), l.address(), l.mask(), l.method(), l.options())
            : l);
      }
      return tls;
    }
    return out;
  }

  /**
   * Adds, after the local lines, one line per peer host that lets pg_rewind's role reach database
   * postgres with scram-sha-256: a former primary rewinds from whichever peer is primary now.
   */
  static List<HbaLine> withRewindLines(DesiredState desired, List<HbaLine> lines) {
    List<HbaLine> out = new ArrayList<>();
    int at = 0;
    while (at < lines.size() && lines.get(at).type().equals("local")) {
      out.add(lines.get(at++));
    }
    Set<String> seen = new LinkedHashSet<>();
    for (Peer p : desired.peers()) {
      String addr = addressOf(p.host());
      if (seen.add(addr)) {
        out.add(new HbaLine("host", List.of("postgres"), List.of(io.pgconverge.pg.Rewind.ROLE), java.util.Optional.of(addr),
            java.util.Optional.empty(), "scram-sha-256", List.of()));
      }
    }
    out.addAll(lines.subList(at, lines.size()));
    return out;
  }

  /** An IP becomes a single-host CIDR; a DNS name stays as it is (pg_hba.conf resolves it). */
  static String addressOf(String host) {
    if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return host + "/32";
    }
    if (host.contains(":")) {
      return host + "/128";
    }
    return host;
  }

  private static List<String> header(DesiredState desired) {
    return List.of(HEADER, "desired state: " + desired.source());
  }
}
