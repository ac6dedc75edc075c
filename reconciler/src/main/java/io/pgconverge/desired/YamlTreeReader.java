package io.pgconverge.desired;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.pgconverge.desired.YamlNode.Entry;
import io.pgconverge.desired.YamlNode.Mapping;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.ScalarKind;
import io.pgconverge.desired.YamlNode.Sequence;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML text into a {@link YamlNode} tree with Jackson's streaming YAML parser, which gives
 * each token's line and column. Has no side effects.
 *
 * <p>Beyond plain YAML it refuses what a desired-state file has no use for and what the streaming
 * parser would get wrong: duplicate keys (the parser keeps both silently), aliases (the parser
 * hands back the alias's name, not its value) and more than one document.
 */
final class YamlTreeReader {

  /** The tree, when the text is YAML, and every problem found while reading it. */
  record Result(Optional<YamlNode> root, List<Problem> problems) {}

  private static final YAMLFactory FACTORY = new YAMLFactory();

  private final String text;
  private final Path file;
  private final int[] lineStarts;
  private final List<Problem> problems = new ArrayList<>();
  private JsonParser parser;

  private YamlTreeReader(String text, Path file) {
    this.text = text;
    this.file = file;
    this.lineStarts = lineStarts(text);
  }

  static Result read(String text, Path file) {
    return new YamlTreeReader(text, file).read();
  }

  private Result read() {
    try (JsonParser p = FACTORY.createParser(text)) {
      parser = p;
      JsonToken first = p.nextToken();
      if (first == null) {
        return new Result(
            Optional.empty(), List.of(new Problem(at(1, 1), "", "the file holds no YAML document")));
      }
      YamlNode root = node(first, "");
      JsonToken more = p.nextToken();
      if (more != null) {
        add(
            new Problem(
                here(),
                "",
                "a second YAML document starts here; a desired-state file holds exactly one"));
      }
      return new Result(Optional.of(root), problems);
    } catch (TooBig e) {
      return new Result(Optional.empty(), e.problems);
    } catch (JsonProcessingException e) {
      return new Result(Optional.empty(), List.of(syntaxProblem(e)));
    } catch (IOException e) {
      // Reading from a String cannot fail but for the YAML inside it.
      return new Result(
          Optional.empty(), List.of(new Problem(at(1, 1), "", "not valid YAML: " + e.getMessage())));
    }
  }

  /** Deeper than this, a desired-state file is a nesting bomb (its own deepest point is 4). */
  static final int MAX_DEPTH = 16;

  /** Stops the reading: the tree would be too deep or a value too long to be a desired state. */
  private static final class TooBig extends RuntimeException {
    final List<Problem> problems;

    TooBig(Problem problem) {
      this(List.of(problem));
    }

    TooBig(List<Problem> problems) {
      super(null, null, false, false);
      this.problems = problems;
    }
  }

  private int depth;

  /** Where the last scalar read started, when it was quoted and ran over lines: a quote left open ends far below. */
  private SourceLocation lastQuoted;

  /** A problem found while reading; past 100 of them the file is not worth reading on. */
  private void add(Problem problem) {
    problems.add(problem);
    if (problems.size() >= 100) {
      List<Problem> first = new ArrayList<>(problems);
      first.add(new Problem(problem.location(), "", "100 problems so far; reading stops here"));
      throw new TooBig(first);
    }
  }

  private YamlNode node(JsonToken token, String path) throws IOException {
    SourceLocation location = here();
    if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
      if (++depth > MAX_DEPTH) {
        throw new TooBig(new Problem(location, path,
            "nested more than " + MAX_DEPTH + " levels deep; a desired-state file needs at most 5"));
      }
      try {
        return container(token, location, path);
      } finally {
        depth--;
      }
    }
    if (token.isScalarValue() && parser.getTextLength() > ValueGrammar.MAX_SCALAR) {
      throw new TooBig(new Problem(location, path,
          "a value of " + parser.getTextLength() + " characters; at most " + ValueGrammar.MAX_SCALAR + " are allowed"));
    }
    return leaf(token, location, path);
  }

  private YamlNode container(JsonToken token, SourceLocation location, String path) throws IOException {
    alias(location, path);
    return token == JsonToken.START_OBJECT ? mapping(location, path) : sequence(location, path);
  }

  private void alias(SourceLocation location, String path) throws IOException {
    if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
      add(
          new Problem(
              location,
              path,
              "aliases (*" + parser.getText() + ") are not supported; write the value out"));
    }
  }

  private YamlNode leaf(JsonToken token, SourceLocation location, String path) throws IOException {
    alias(location, path);
    return switch (token) {
      case VALUE_STRING -> scalar(location, ScalarKind.STRING);
      case VALUE_NUMBER_INT -> scalar(location, ScalarKind.INTEGER);
      case VALUE_NUMBER_FLOAT -> scalar(location, ScalarKind.FLOAT);
      case VALUE_TRUE, VALUE_FALSE -> scalar(location, ScalarKind.BOOLEAN);
      case VALUE_NULL -> scalar(location, ScalarKind.NULL);
      default -> {
        add(new Problem(location, path, "YAML tags such as !!binary are not supported; write a plain value"));
        yield new Scalar(location, "", ScalarKind.NULL, false);
      }
    };
  }

  private Mapping mapping(SourceLocation location, String path) throws IOException {
    List<Entry> entries = new ArrayList<>();
    Map<String, SourceLocation> seen = new HashMap<>();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_OBJECT) {
      String key = parser.currentName();
      SourceLocation keyLocation = here();
      if (key.length() > 256) {
        throw new TooBig(new Problem(keyLocation, path, "a key of " + key.length() + " characters; keys are short names"));
      }
      String field = path.isEmpty() ? key : path + "." + key;
      YamlNode value = node(parser.nextToken(), field);
      SourceLocation first = seen.putIfAbsent(key, keyLocation);
      if (first != null) {
        add(
            new Problem(
                keyLocation,
                field,
                "duplicate key \"" + key + "\"; it is already set on line " + first.line()));
      } else {
        entries.add(new Entry(key, keyLocation, value));
      }
    }
    return new Mapping(location, entries);
  }

  private Sequence sequence(SourceLocation location, String path) throws IOException {
    List<YamlNode> items = new ArrayList<>();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      items.add(node(token, path + "[" + items.size() + "]"));
    }
    return new Sequence(location, items);
  }

  private Scalar scalar(SourceLocation location, ScalarKind kind) throws IOException {
    char first = charAt(location);
    boolean quoted = first == '\'' || first == '"';
    // A quoted scalar that ends on a later line than it starts may be a quote left open.
    lastQuoted = quoted && parser.currentLocation().getLineNr() > location.line() ? location : null;
    return new Scalar(location, parser.getText(), kind, quoted);
  }

  private Problem syntaxProblem(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
      // A token that never ends (a quote left open) is reported where it ends: at the end of the
      // file. Its start, the context mark, is where the mistake is.
      boolean scanning = marked.getContext() != null && marked.getContext().startsWith("while scanning")
          && marked.getContextMark() != null;
      var mark = scanning ? marked.getContextMark() : marked.getProblemMark();
      SourceLocation location = at(mark.getLine() + 1, mark.getColumn() + 1);
      if (!scanning && lastQuoted != null && lastQuoted.line() < location.line()) {
        // A quote left open runs on to the next quote of the same kind, lines below, and the
        // parser trips over what follows that one: the quote that opened is the mistake.
        return new Problem(lastQuoted, "",
            "not valid YAML: the quoted string that starts here runs on to line " + location.line()
                + ", where the parser then stopped (" + marked.getProblem() + "); close the quote on this line");
      }
      String message = "not valid YAML: " + marked.getProblem();
      if (marked.getContext() != null && marked.getContextMark() != null) {
        message += " (" + marked.getContext() + " on line " + (marked.getContextMark().getLine() + 1) + ")";
      }
      return new Problem(location, "", message);
    }
    JsonLocation l = e.getLocation();
    SourceLocation location =
        l == null ? at(1, 1) : at(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    return new Problem(location, "", "not valid YAML: " + e.getOriginalMessage());
  }

  private SourceLocation here() {
    JsonLocation l = parser.currentTokenLocation();
    return at(l.getLineNr(), l.getColumnNr());
  }

  private SourceLocation at(int line, int column) {
    return new SourceLocation(file, line, column);
  }

  private char charAt(SourceLocation location) {
    int line = location.line() - 1;
    if (line < 0 || line >= lineStarts.length) {
      return 0;
    }
    int index = lineStarts[line] + location.column() - 1;
    return index >= 0 && index < text.length() ? text.charAt(index) : 0;
  }

  private static int[] lineStarts(String text) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n'))) {
        starts.add(i + 1);
      }
    }
    return starts.stream().mapToInt(Integer::intValue).toArray();
  }
}
