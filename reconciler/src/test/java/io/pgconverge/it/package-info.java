/**
 * Integration tests that run the packaged pgconverge jar against real PostgreSQL servers in
 * temporary directories, and the small harness they share ({@link io.pgconverge.it.TestHost},
 * {@link io.pgconverge.it.Cli}, {@link io.pgconverge.it.Psql}, {@link
 * io.pgconverge.it.ServerControl}).
 */
package io.pgconverge.it;
