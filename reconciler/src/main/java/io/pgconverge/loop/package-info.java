/** The reconcile loop: observe, plan, apply, repeated until the host settles, then a report. */
package io.pgconverge.loop;
