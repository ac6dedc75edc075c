package io.pgconverge.desired;

import io.pgconverge.pg.Conninfo;
import io.pgconverge.pg.Rewind;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The one builder of the connection strings a host uses to reach its primary: the replica's
 * {@code primary_conninfo} (also pg_basebackup's source) and pg_rewind's source server. Both name
 * the primary's host and port, the passfile beside PGDATA (never a password) and, with {@code
 * postgres.ssl}, TLS with full verification. Has no side effects.
 */
public final class ReplicationConninfo {
  private ReplicationConninfo() {}

  /**
   * How this replica streams from its primary: the replication user, application_name = this
   * peer's name (so the primary's pg_stat_replication names it), sslmode prefer without TLS.
   */
  public static String primary(DesiredState desired) {
    return render(desired, desired.replication().orElseThrow().user(), Optional.empty(),
        Optional.of(desired.self()), Optional.of("prefer"));
  }

  /** How pg_rewind reaches the new primary: its own role, database postgres, the same passfile. */
  public static String rewind(DesiredState desired) {
    return render(desired, Rewind.ROLE, Optional.of("postgres"), Optional.empty(), Optional.empty());
  }

  private static String render(DesiredState desired, String user, Optional<String> dbname,
      Optional<String> applicationName, Optional<String> sslmodeWithoutTls) {
    Peer primary = desired.primary();
    PostgresSpec pg = desired.postgres();
    Map<String, String> c = new LinkedHashMap<>();
    c.put("host", primary.host());
    c.put("port", Integer.toString(primary.port()));
    c.put("user", user);
    dbname.ifPresent(d -> c.put("dbname", d));
    c.put("passfile", pg.passfile().toString());
    applicationName.ifPresent(a -> c.put("application_name", a));
    if (pg.ssl().isPresent()) {
      c.put("sslmode", "verify-full");
      c.put("sslrootcert", pg.ssl().get().caFile().toString());
    } else {
      sslmodeWithoutTls.ifPresent(m -> c.put("sslmode", m));
    }
    return Conninfo.render(c);
  }
}
