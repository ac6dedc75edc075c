/** The command line: thin commands that call the reconcile loop. */
package io.pgconverge.cli;
