/** The pure planner: desired state and facts in, drift and actions out; no I/O, no clock. */
package io.pgconverge.plan;
