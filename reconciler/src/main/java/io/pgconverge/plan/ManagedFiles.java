package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.HbaLineSpec;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.pg.ConfRenderer;
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
    return owned;
  }

  /** The field of the desired state a managed setting comes from, for messages. */
  public static String fieldOf(DesiredState desired, String setting) {
    return switch (setting) {
      case "cluster_name" -> desired.where("cluster");
      case "port" -> desired.where("peers[" + desired.peers().indexOf(desired.selfPeer()) + "].port");
      case "unix_socket_directories" -> "postgres.socket_directory";
      case "data_directory" -> desired.where("postgres.data");
      case "hba_file", "ident_file" -> "postgres.config";
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
