package io.pgconverge.desired;

import io.pgconverge.pg.HbaLine;
import io.pgconverge.pg.HbaSyntaxException;

/**
 * Parses one pg_hba.conf line. Production code always uses {@link HbaLine#parse}; the seam exists
 * so that tests of the other rules do not depend on the hba parser.
 */
@FunctionalInterface
interface HbaParser {
  HbaParser POSTGRES = HbaLine::parse;

  HbaLine parse(String text) throws HbaSyntaxException;
}
