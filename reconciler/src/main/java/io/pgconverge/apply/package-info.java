/** Carries out a plan's actions through small ports: atomic files, commands, SQL. */
package io.pgconverge.apply;
