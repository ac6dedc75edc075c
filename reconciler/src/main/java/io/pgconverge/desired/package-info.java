/** The desired state: its records, the YAML loader and the validator; reads only the one file. */
package io.pgconverge.desired;
