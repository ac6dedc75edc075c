package io.pgconverge.desired;

import io.pgconverge.pg.HbaLine;
import io.pgconverge.pg.HbaSyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Test double for {@link HbaLine#parse}: splits a well-formed line into its fields and checks
 * nothing else. It lets the loader's own rules (the lock-out guard among them) be tested without
 * the real parser; the real parser's part is tested in {@link DesiredStateHbaValidationTest}.
 */
final class SplittingHbaParser implements HbaParser {
  static final SplittingHbaParser INSTANCE = new SplittingHbaParser();

  @Override
  public HbaLine parse(String text) throws HbaSyntaxException {
    List<String> f = Arrays.asList(text.trim().split("\\s+"));
    boolean local = f.get(0).equals("local");
    int needed = local ? 4 : 5;
    if (f.size() < needed) {
      throw new HbaSyntaxException(text.length() + 1, "test double: too few fields");
    }
    List<String> databases = List.of(f.get(1).split(","));
    List<String> users = List.of(f.get(2).split(","));
    if (local) {
      return new HbaLine(
          "local", databases, users, Optional.empty(), Optional.empty(), f.get(3), f.subList(4, f.size()));
    }
    return new HbaLine(
        f.get(0), databases, users, Optional.of(f.get(3)), Optional.empty(), f.get(4), f.subList(5, f.size()));
  }
}
