/**
 * The reconcile loop: observe, plan, apply, repeated until the host settles, then a report; and
 * the one run orchestration around it (run id, lock, maintenance window, status files).
 */
package io.pgconverge.loop;
