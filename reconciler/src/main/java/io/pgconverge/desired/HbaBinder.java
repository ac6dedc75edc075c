package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import io.pgconverge.desired.YamlNode.Entry;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.ScalarKind;
import io.pgconverge.desired.YamlNode.Sequence;
import io.pgconverge.pg.HbaLine;
import io.pgconverge.pg.HbaSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binds {@code postgres.hba}, one pg_hba.conf line per list item, and checks that the lines let
 * the reconciler into its own server.
 *
 * <p>The algorithm:
 *
 * <ol>
 *   <li>Each item must be a non-blank scalar without control characters; it is parsed by the
 *       {@link HbaParser}, and a syntax error points at the column of the scalar where it is.
 *   <li>Any wrong item makes the whole list unbound (reported item by item, binding goes on).
 *   <li>When every line parsed, {@link #checkLetsReconcilerIn}: the first local line that
 *       matches the reconciler's own connection must use peer or trust.
 * </ol>
 */
final class HbaBinder {
  private final Binding b;
  private final HbaParser parser;
  private final List<HbaLine> lines = new ArrayList<>();
  private boolean everyLineParsed;
  private SourceLocation location;

  HbaBinder(Binding b, HbaParser parser) {
    this.b = b;
    this.parser = parser;
  }

  /** The hba lines of the postgres section {@code s}, or null when the list or a line is wrong. */
  List<HbaLineSpec> hba(Section s) {
    List<HbaLineSpec> hba = null;
    location = s.mapping().entry("hba").map(Entry::keyLocation).orElse(s.where());
    Optional<YamlNode> hbaNode = b.required(s, "hba");
    Sequence hbaList = hbaNode.map(n -> b.sequence(n, "postgres.hba", true)).orElse(null);
    if (hbaList == null) {
      return null;
    }
    hba = new ArrayList<>();
    everyLineParsed = true;
    for (int i = 0; i < hbaList.items().size(); i++) {
      YamlNode item = hbaList.items().get(i);
      String field = "postgres.hba[" + i + "]";
      b.record(field, item.location());
      if (!(item instanceof Scalar line) || line.kind() == ScalarKind.NULL || line.text().isBlank()) {
        b.problem(item.location(), field, "must be a pg_hba.conf line, got " + item.describe());
        hba = null;
        everyLineParsed = false;
        continue;
      }
      Optional<String> control = ValueGrammar.noControlCharacters(line.text());
      if (control.isPresent()) {
        b.problem(item.location(), field, control.get() + " (one list item is one pg_hba.conf line)");
        hba = null;
        everyLineParsed = false;
        continue;
      }
      try {
        HbaLine parsed = parser.parse(line.text());
        lines.add(parsed);
        if (hba != null) {
          hba.add(new HbaLineSpec(i, line.text(), parsed));
        }
      } catch (HbaSyntaxException e) {
        b.problem(errorLocation(line, e), field, e.getMessage());
        everyLineParsed = false;
        hba = null;
      }
    }
    return hba;
  }

  /**
   * Where an hba syntax error points: the parser's column counts from the line's first
   * character, which sits one column after the quote of a quoted scalar. A block scalar ({@code
   * |}, {@code >}) starts on the next line; its own location is the best we have.
   */
  private SourceLocation errorLocation(Scalar line, HbaSyntaxException e) {
    SourceLocation at = line.location();
    if (e.column() < 1 || line.text().contains("\n")) {
      return at;
    }
    int column = at.column() + e.column() - 1 + (line.quoted() ? 1 : 0);
    return new SourceLocation(b.file(), at.line(), column);
  }

  /**
   * The reconciler connects to database postgres as {@code user} (postgres.user) over the Unix
   * socket; the first local line that matches that connection decides whether it gets in, and it
   * must use peer or trust.
   */
  void checkLetsReconcilerIn(String user) {
    if (!everyLineParsed || user == null) {
      return; // a line that does not parse is reported already; guessing past it would mislead
    }
    String message =
        "no local line lets \""
            + user
            + "\" connect with peer authentication: pgconverge talks to its server over the Unix"
            + " socket as postgres.user and would lock itself out";
    for (int i = 0; i < lines.size(); i++) {
      HbaLine line = lines.get(i);
      if (!line.type().equals("local")
          || !matchesDatabasePostgres(line.databases(), user)
          || !line.users().contains("all") && !line.users().contains(user)) {
        continue;
      }
      if (line.method().equals("peer") || line.method().equals("trust")) {
        return;
      }
      String field = "postgres.hba[" + i + "]";
      b.problem(
          b.location(field),
          field,
          message + " (this is the first local line that matches, and it uses " + line.method() + ")");
      return;
    }
    b.problem(location, "postgres.hba", message);
  }

  private static boolean matchesDatabasePostgres(List<String> databases, String user) {
    return databases.contains("all")
        || databases.contains("postgres")
        || databases.contains("sameuser") && user.equals("postgres");
  }
}
