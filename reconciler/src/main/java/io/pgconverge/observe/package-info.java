/** Probes that read the host into {@link io.pgconverge.observe.Facts}; they never write. */
package io.pgconverge.observe;
