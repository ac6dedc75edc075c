/** The long-running daemon: schedule, file watch, signals; each run is the loop's run orchestration. */
package io.pgconverge.daemon;
