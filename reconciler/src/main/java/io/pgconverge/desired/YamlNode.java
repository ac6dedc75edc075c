package io.pgconverge.desired;

import java.util.List;
import java.util.Optional;

/**
 * A YAML document as written, with the place of every node: just enough of YAML for a
 * desired-state file. Scalars keep their raw text ({@code on} stays "on", {@code 152MB} stays
 * "152MB") and remember which kind of YAML scalar they were.
 */
sealed interface YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {

  /** Where the node starts (for a block mapping: its first key). */
  SourceLocation location();

  /** How a message names what the user wrote: "a mapping", "a list", "\"maybe\"", "70000". */
  String describe();

  record Entry(String key, SourceLocation keyLocation, YamlNode value) {}

  record Mapping(SourceLocation location, List<Entry> entries) implements YamlNode {
    public Mapping {
      entries = List.copyOf(entries);
    }

    Optional<Entry> entry(String key) {
      return entries.stream().filter(e -> e.key().equals(key)).findFirst();
    }

    @Override
    public String describe() {
      return "a mapping";
    }
  }

  record Sequence(SourceLocation location, List<YamlNode> items) implements YamlNode {
    public Sequence {
      items = List.copyOf(items);
    }

    @Override
    public String describe() {
      return "a list";
    }
  }

  enum ScalarKind {
    STRING,
    INTEGER,
    FLOAT,
    BOOLEAN,
    NULL
  }

  /**
   * @param text the scalar exactly as written, without quotes
   * @param quoted written in single or double quotes
   */
  record Scalar(SourceLocation location, String text, ScalarKind kind, boolean quoted)
      implements YamlNode {
    @Override
    public String describe() {
      return switch (kind) {
        case NULL -> "nothing";
        case STRING -> ValueGrammar.show(text);
        case INTEGER, FLOAT, BOOLEAN -> text;
      };
    }
  }
}
