/** The long-running daemon: schedule, file watch, lock; it only calls the loop. */
package io.pgconverge.daemon;
