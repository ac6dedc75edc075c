/** A run's report and its renderings: log lines, JSON, status and metrics; never a secret. */
package io.pgconverge.report;
