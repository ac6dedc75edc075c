package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PostgresSpec;
import io.pgconverge.desired.ReplicationConninfo;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.PrimaryFact;
import java.util.List;

/**
 * The data directory: made when missing, never touched when it holds anything but a cluster.
 *
 * <ol>
 *   <li>Foreign content (anything but PG_VERSION and global/pg_control, dot-files and lost+found)
 *       or an unreadable directory: refuse and stop; the data is never touched.
 *   <li>Missing or empty, on the primary, under {@code failover.mode: etcd} while this host does
 *       not hold the leader key: refuse and stop (the preferred primary's failover agent takes
 *       the initialize key and the leader key first).
 *   <li>Missing or empty, on the primary: drift and {@code initdb}, built beside PGDATA and moved
 *       into place when complete; the later steps see a bootstrap (no server, no file to compare).
 *   <li>Missing or empty, on a replica: while the primary cannot be reached, refuse and stop;
 *       otherwise the passfile, then {@code pg_basebackup} from the primary, likewise beside PGDATA.
 *   <li>Initialized, on a replica, with another system identifier than the primary's: refuse and
 *       stop (it is a copy of another cluster).
 *   <li>Otherwise: continue.
 * </ol>
 */
final class DataDirectoryStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    DesiredState desired = plan.desired();
    PostgresSpec pg = plan.pg();
    DataDirectoryFact dataDir = plan.facts().dataDirectory();
    if (dataDir instanceof DataDirectoryFact.Foreign f) {
      plan.refuse(RefusalReason.FOREIGN_DATA, "data directory " + f.path(), "found " + summarize(f.entries()));
      return Next.STOP;
    }
    if (dataDir instanceof DataDirectoryFact.Unreadable u) {
      plan.refuse(RefusalReason.DATA_DIRECTORY_UNREADABLE, "data directory " + u.path(), u.reason());
      return Next.STOP;
    }
    if (dataDir instanceof DataDirectoryFact.Missing || dataDir instanceof DataDirectoryFact.Empty) {
      String state = dataDir instanceof DataDirectoryFact.Missing ? "missing" : "empty";
      if (!plan.replica() && !plan.context().mayRunWritable()) {
        plan.refuse(RefusalReason.WAITING_FOR_LEADER_KEY, "initdb of " + dataDir.path(),
            "this host does not hold the leader key (the preferred primary takes it before it bootstraps)");
        return Next.STOP;
      }
      if (!plan.replica()) {
        plan.drift(DriftKind.DATA_DIRECTORY, dataDir.path().toString(), "initialized cluster", state, "initdb",
            desired.where("postgres.data"));
        plan.add(new Action.InitDataDirectory(pg.data(), plan.bin(), pg.user(), pg.initdbArgs(), pg.config()));
        plan.bootstrapping();
        return Next.CONTINUE;
      }
      if (plan.facts().primary() instanceof PrimaryFact.Unreachable u) {
        plan.refuse(RefusalReason.PRIMARY_UNREACHABLE,
            "primary " + desired.primary().name() + " at " + u.host() + ":" + u.port(), u.reason());
        return Next.STOP;
      }
      Peer primary = desired.primary();
      plan.drift(DriftKind.DATA_DIRECTORY, dataDir.path().toString(), "a copy of the primary", state,
          "pg_basebackup from " + primary.name(), desired.where("postgres.data"));
      StandbyStep.planPassfile(plan);
      plan.add(new Action.BaseBackup(pg.data(), plan.bin(), ReplicationConninfo.primary(desired),
          primary.name() + " (" + primary.host() + ":" + primary.port() + ")", pg.config()));
      plan.bootstrapping();
      return Next.CONTINUE;
    }
    if (plan.replica() && dataDir instanceof DataDirectoryFact.Initialized init && init.control().isPresent()
        && plan.facts().primary() instanceof PrimaryFact.Reachable p
        && !init.control().get().systemIdentifier().equals(p.systemIdentifier())) {
      plan.refuse(RefusalReason.FOREIGN_CLUSTER, "data directory " + init.path(),
          "its system identifier " + init.control().get().systemIdentifier() + " is not the primary's "
              + p.systemIdentifier() + " (" + desired.primary().name() + ")");
      return Next.STOP;
    }
    return Next.CONTINUE;
  }

  private static String summarize(List<String> entries) {
    List<String> shown = entries.subList(0, Math.min(5, entries.size()));
    return String.join(", ", shown) + (entries.size() > 5 ? " and " + (entries.size() - 5) + " more" : "");
  }
}
