package io.pgconverge.plan;

import io.pgconverge.observe.PackagedCluster;
import java.nio.file.Path;

/**
 * A cluster of Debian's postgresql-common in the way, refused with the remedy it names.
 *
 * <ol>
 *   <li>A cluster whose data directory is this PGDATA but whose config directory is another one:
 *       its own unit would start it; refuse and stop.
 *   <li>Another cluster running on this host's port: this server cannot bind it (and pgconverge
 *       would take its socket for its own); refuse and stop.
 *   <li>Otherwise (none, a stopped one elsewhere, this very cluster): continue.
 * </ol>
 */
final class PackagedClusterStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    Path data = plan.pg().data().toAbsolutePath().normalize();
    Path config = plan.pg().config().toAbsolutePath().normalize();
    int port = plan.desired().port();
    for (PackagedCluster c : plan.facts().packagedClusters()) {
      boolean sameData = c.dataDirectory().normalize().equals(data);
      if (sameData && !c.configDir().normalize().equals(config)) {
        plan.refuse(RefusalReason.PACKAGED_CLUSTER, "data directory " + plan.pg().data(),
            "it is the data directory of Debian's cluster " + c.describe() + "; " + c.remedy());
        return Next.STOP;
      }
      if (!sameData && c.running() && c.port() == port) {
        plan.refuse(RefusalReason.PACKAGED_CLUSTER, "port " + port,
            "Debian's cluster " + c.describe() + " listens on it; " + c.remedy());
        return Next.STOP;
      }
    }
    return Next.CONTINUE;
  }
}
