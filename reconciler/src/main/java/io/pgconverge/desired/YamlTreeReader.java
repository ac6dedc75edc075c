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
        problems.add(
            new Problem(
                here(),
                "",
                "a second YAML document starts here; a desired-state file holds exactly one"));
      }
      return new Result(Optional.of(root), problems);
    } catch (JsonProcessingException e) {
      return new Result(Optional.empty(), List.of(syntaxProblem(e)));
    } catch (IOException e) {
      // Reading from a String cannot fail but for the YAML inside it.
      return new Result(
          Optional.empty(), List.of(new Problem(at(1, 1), "", "not valid YAML: " + e.getMessage())));
    }
  }

  private YamlNode node(JsonToken token, String path) throws IOException {
    SourceLocation location = here();
    if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
      problems.add(
          new Problem(
              location,
              path,
              "aliases (*" + parser.getText() + ") are not supported; write the value out"));
    }
    return switch (token) {
      case START_OBJECT -> mapping(location, path);
      case START_ARRAY -> sequence(location, path);
      case VALUE_STRING -> scalar(location, ScalarKind.STRING);
      case VALUE_NUMBER_INT -> scalar(location, ScalarKind.INTEGER);
      case VALUE_NUMBER_FLOAT -> scalar(location, ScalarKind.FLOAT);
      case VALUE_TRUE, VALUE_FALSE -> scalar(location, ScalarKind.BOOLEAN);
      case VALUE_NULL -> scalar(location, ScalarKind.NULL);
      default -> throw new IllegalStateException("unexpected YAML token " + token + " at " + location);
    };
  }

  private Mapping mapping(SourceLocation location, String path) throws IOException {
    List<Entry> entries = new ArrayList<>();
    Map<String, SourceLocation> seen = new HashMap<>();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_OBJECT) {
      String key = parser.currentName();
      SourceLocation keyLocation = here();
      String field = path.isEmpty() ? key : path + "." + key;
      YamlNode value = node(parser.nextToken(), field);
      SourceLocation first = seen.putIfAbsent(key, keyLocation);
      if (first != null) {
        problems.add(
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
    return new Scalar(location, parser.getText(), kind, quoted);
  }

  private Problem syntaxProblem(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
      SourceLocation location =
          at(marked.getProblemMark().getLine() + 1, marked.getProblemMark().getColumn() + 1);
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
