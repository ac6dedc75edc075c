package io.pgconverge.observe;

import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a run observed on this host, read-only. A fact that could not be read is recorded
 * with the reason (an {@code Unreadable} or {@code Unreachable} case), never guessed.
 *
 * @param files the managed files (postgresql.conf, pg_hba.conf, postgresql.auto.conf) by path
 * @param secrets the password files named in the desired state, by path
 * @param binaries where the PostgreSQL server binaries were found
 * @param primary what this host, when it is meant to be a replica, learned from its primary
 * @param upstream what this host, when it is meant to be the primary but still replicates, learned
 *     from the server it replicates from
 * @param packagedClusters the clusters Debian's postgresql-common keeps under /etc/postgresql
 * @param divergence for a replica that does not stream from a primary on a later timeline: whether
 *     it can follow that timeline
 */
public record Facts(
    DataDirectoryFact dataDirectory,
    Map<Path, FileFact> files,
    ServerFact server,
    Map<Path, Secret> secrets,
    BinaryFact binaries,
    PrimaryFact primary,
    UpstreamFact upstream,
    java.util.List<PackagedCluster> packagedClusters,
    DivergenceFact divergence) {

  public Facts {
    files = Map.copyOf(files);
    secrets = Map.copyOf(secrets);
    packagedClusters = java.util.List.copyOf(packagedClusters);
  }

  /** Facts of a host whose divergence was not checked. */
  public Facts(DataDirectoryFact dataDirectory, Map<Path, FileFact> files, ServerFact server, Map<Path, Secret> secrets,
      BinaryFact binaries, PrimaryFact primary, UpstreamFact upstream, java.util.List<PackagedCluster> packagedClusters) {
    this(dataDirectory, files, server, secrets, binaries, primary, upstream, packagedClusters, new DivergenceFact.NotChecked());
  }

  /** Facts of a host without packaged clusters. */
  public Facts(DataDirectoryFact dataDirectory, Map<Path, FileFact> files, ServerFact server, Map<Path, Secret> secrets,
      BinaryFact binaries, PrimaryFact primary, UpstreamFact upstream) {
    this(dataDirectory, files, server, secrets, binaries, primary, upstream, java.util.List.of());
  }

  public FileFact file(Path path) {
    FileFact f = files.get(path);
    return f != null ? f : new FileFact.Unreadable(path, "not observed");
  }
}
