package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.HbaLineSpec;
import io.pgconverge.desired.OwnedSetting;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.pg.ConfRenderer;
import io.pgconverge.pg.HbaLine;
import io.pgconverge.pg.Rewind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Renders the two managed config files from the desired state, in memory. Has no side effects:
 * the same desired state always gives the same bytes, so a converged host sees no difference.
 */
public final class ManagedFiles {
  public static final String HEADER = "managed by pgconverge; edits are reverted";

  private ManagedFiles() {}

  /**
   * The settings the reconciler sets itself from other fields of the desired state ({@link
   * OwnedSetting}), then the user's {@code postgres.settings}, in that order.
   */
  public static Map<String, String> settings(DesiredState desired) {
    PostgresSpec pg = desired.postgres();
    Map<String, String> all = new LinkedHashMap<>(OwnedSetting.valuesFor(desired));
    all.putAll(pg.settings());
    return all;
  }

  public static boolean isReplica(DesiredState desired) {
    return desired.selfPeer().role() == PeerRole.REPLICA;
  }

  /** The field of the desired state a managed setting comes from, for messages. */
  public static String fieldOf(DesiredState desired, String setting) {
    return OwnedSetting.of(setting).map(o -> o.where(desired)).orElseGet(() -> desired.where("postgres.settings." + setting));
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
      HbaLine line = spec.line();
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
        boolean replication = l.databases().contains("replication") || l.users().contains(Rewind.ROLE);
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
        out.add(new HbaLine("host", List.of("postgres"), List.of(Rewind.ROLE), Optional.of(addr),
            Optional.empty(), "scram-sha-256", List.of()));
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
