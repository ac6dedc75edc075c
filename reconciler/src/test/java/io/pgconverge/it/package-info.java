/**
 * Integration tests that run the packaged pgconverge jar against real PostgreSQL servers in
 * temporary directories, and the small harness they share ({@link io.pgconverge.it.TestHost},
 * {@link io.pgconverge.it.Cli}, {@link io.pgconverge.it.Psql}, {@link
 * io.pgconverge.it.ServerControl}). The cluster tests add {@link io.pgconverge.it.NetnsLab} (one
 * network namespace and address per host, loopback fallback), {@link io.pgconverge.it.Cluster} and
 * {@link io.pgconverge.it.ClusterNode} (a primary and replicas, one desired-state file per node),
 * {@link io.pgconverge.it.TestCertificates}, {@link io.pgconverge.it.ProcTable} and {@link
 * io.pgconverge.it.BackgroundProcess}. The role-change tests (switchover, failover, rejoin, blocked
 * promotion) add {@link io.pgconverge.it.Daemons} (apply round after round on every host, as the
 * daemons would, until stable), {@link io.pgconverge.it.Writer} (an application inserting the whole
 * time), {@link io.pgconverge.it.WritableWatch} (a poller for two writable nodes) and {@link
 * io.pgconverge.it.RoleChecks} (what a DBA checks by hand).
 */
package io.pgconverge.it;
