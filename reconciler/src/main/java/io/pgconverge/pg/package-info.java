/** PostgreSQL knowledge as data and pure functions: config and hba syntax, units, verifiers. */
package io.pgconverge.pg;
