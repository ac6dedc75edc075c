package io.pgconverge.desired;

import io.pgconverge.desired.YamlNode.Entry;
import io.pgconverge.desired.YamlNode.Mapping;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.Sequence;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The state of binding one desired-state file, shared by the section binders: the problems found
 * so far, where each field was written, and the readers of the tree's structure (mappings and
 * their keys, lists). Typed scalars are read by {@link Scalars}. Its only side effect is on its
 * own problem list and location table.
 */
final class Binding {
  /** A mapping being bound: its field path, and where to point when one of its keys is missing. */
  record Section(Mapping mapping, String path, SourceLocation where) {
    String field(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    /** Where {@code key} itself is written in this mapping; it must be present. */
    SourceLocation keyLocation(String key) {
      return mapping.entry(key).get().keyLocation();
    }
  }

  private final Path file;
  private final List<Problem> problems = new ArrayList<>();
  private final Map<String, SourceLocation> locations = new LinkedHashMap<>();

  Binding(Path file, List<Problem> earlier) {
    this.file = file;
    problems.addAll(earlier);
  }

  Path file() {
    return file;
  }

  /** How many problems were found so far: a section compares it before and after a field. */
  int problemCount() {
    return problems.size();
  }

  boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Where {@code field} was written, or null when it was not. */
  SourceLocation location(String field) {
    return locations.get(field);
  }

  /** The {@code failover} section and the peers' {@code failover_priority}, bound into this file's problems and locations. */
  FailoverSpec failover(Mapping top) {
    return FailoverBinder.bind(top, locations, problems);
  }

  Locations locations() {
    return new Locations(locations);
  }

  /** Valid when there is no problem and a state was bound; otherwise the problems in file order. */
  LoadResult result(DesiredState state) {
    if (problems.isEmpty() && state != null) {
      return new LoadResult.Valid(state);
    }
    List<Problem> sorted = new ArrayList<>(problems);
    sorted.sort(
        Comparator.comparingInt((Problem p) -> p.location().line())
            .thenComparingInt(p -> p.location().column()));
    return new LoadResult.Invalid(file, sorted);
  }

  /** {@code node} as a section at {@code path} whose keys are checked against {@code known}. */
  Optional<Section> section(YamlNode node, String path, SourceLocation where, List<String> known) {
    if (!(node instanceof Mapping m)) {
      problem(node.location(), path, "must be a mapping, got " + node.describe());
      return Optional.empty();
    }
    Section s = new Section(m, path, where);
    checkKeys(s, known);
    return Optional.of(s);
  }

  /** The optional sub-mapping {@code key} of {@code parent} as a section, empty when absent or wrong. */
  Optional<Section> subsection(Section parent, String key, YamlNode node, List<String> known) {
    return section(node, parent.field(key), parent.keyLocation(key), known);
  }

  void checkKeys(Section s, List<String> known) {
    for (Entry e : s.mapping().entries()) {
      if (known.contains(e.key())) {
        continue;
      }
      String message = "unknown key " + ValueGrammar.show(e.key());
      message += DesiredStateKeys.closest(e.key(), known).map(k -> "; did you mean \"" + k + "\"?").orElse("");
      problem(e.keyLocation(), s.field(e.key()), message);
    }
  }

  /** The value of {@code key}, recording where it was written. */
  Optional<YamlNode> optional(Section s, String key) {
    Optional<Entry> entry = s.mapping().entry(key);
    entry.ifPresent(
        e -> record(s.field(key), e.value() instanceof Scalar ? e.value().location() : e.keyLocation()));
    return entry.map(Entry::value);
  }

  Optional<YamlNode> required(Section s, String key) {
    Optional<YamlNode> value = optional(s, key);
    if (value.isEmpty()) {
      problem(s.where(), s.field(key), "required key \"" + key + "\" is missing");
    }
    return value;
  }

  Sequence sequence(YamlNode node, String field, boolean nonEmpty) {
    if (!(node instanceof Sequence list)) {
      problem(node.location(), field, "must be a list, got " + node.describe());
      return null;
    }
    if (nonEmpty && list.items().isEmpty()) {
      problem(node.location(), field, "must not be empty");
      return null;
    }
    return list;
  }

  /**
   * Binds each item of {@code list}, {@code path[i]}, as a mapping with the keys {@code known}
   * by {@code item} (given the section and i; null when the item is wrong); null when any item
   * is wrong, every one reported.
   */
  <T> List<T> eachMapping(Sequence list, String path, List<String> known, BiFunction<Section, Integer, T> item) {
    List<T> bound = new ArrayList<>();
    boolean allBound = true;
    for (int i = 0; i < list.items().size(); i++) {
      YamlNode node = list.items().get(i);
      String itemPath = path + "[" + i + "]";
      record(itemPath, node.location());
      int index = i;
      T value = section(node, itemPath, node.location(), known).map(s -> item.apply(s, index)).orElse(null);
      if (value == null) {
        allBound = false;
        continue;
      }
      bound.add(value);
    }
    return allBound ? bound : null;
  }

  /**
   * {@code name} when no earlier list item (recorded in {@code seen}) has it; otherwise a problem
   * at this item's {@code name} with {@code message(name, first index)}, and null.
   */
  String unique(String name, int index, Map<String, Integer> seen, Section s,
      BiFunction<String, Integer, String> message) {
    if (name == null) {
      return null;
    }
    Integer first = seen.putIfAbsent(name, index);
    if (first == null) {
      return name;
    }
    problem(locations.get(s.field("name")), s.field("name"), message.apply(name, first));
    return null;
  }

  void record(String field, SourceLocation location) {
    locations.putIfAbsent(field, location);
  }

  void problem(SourceLocation location, String field, String message) {
    problems.add(new Problem(location, field, message));
  }
}
