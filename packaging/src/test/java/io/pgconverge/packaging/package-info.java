/** Tests of the .deb and .rpm as an operator meets them: lint, install, run, upgrade, purge. */
package io.pgconverge.packaging;
