package io.pgconverge.desired;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a desired-state file (version 1) and validates it: the way into the reconcile loop.
 *
 * <ol>
 *   <li>Read the text ({@link #load} only; it is the one piece of I/O in this package).
 *   <li>Read the YAML into a tree that keeps every node's line and column ({@link
 *       YamlTreeReader}). Text that is not YAML stops here with one problem.
 *   <li>Validate the tree and bind it into the records ({@link DesiredStateBinder}), collecting
 *       every problem, each naming file, line, column and field.
 * </ol>
 */
public final class DesiredStateLoader {
  private DesiredStateLoader() {}

  /**
   * Reads and validates {@code file}; reads that one file and has no other side effects. A file
   * that cannot be read is an {@link LoadResult.Invalid} pointing at its line 1, column 1. Parses
   * every time; whoever reads the same file again and again holds a {@link DesiredStateCache}.
   *
   * @param defaultSelf the peer name this host has when the file does not say ({@code self}),
   *     usually the machine's hostname
   */
  public static LoadResult load(Path file, String defaultSelf) {
    Text text = read(file);
    if (text.problem() != null) {
      return new LoadResult.Invalid(file, List.of(text.problem()));
    }
    return parse(text.text(), file, defaultSelf);
  }

  /**
   * Validates {@code yamlText} as if it had been read from {@code file}; has no side effects.
   *
   * @param file the file named in problems and kept as {@link DesiredState#source()}
   */
  public static LoadResult parse(String yamlText, Path file, String defaultSelf) {
    return parse(yamlText, file, defaultSelf, HbaParser.POSTGRES);
  }

  /** {@link #parse(String, Path, String)} with another hba parser, for tests. */
  static LoadResult parse(String yamlText, Path file, String defaultSelf, HbaParser hbaParser) {
    YamlTreeReader.Result tree = YamlTreeReader.read(yamlText, file);
    if (tree.root().isEmpty()) {
      return new LoadResult.Invalid(file, tree.problems());
    }
    return DesiredStateBinder.bind(tree.root().get(), file, defaultSelf, hbaParser, tree.problems());
  }

  /**
   * Validates {@code file} the way config management needs before it pushes, on a machine that
   * may be none of the peers. A file that names {@code self}, or a given {@code self}, is checked
   * once; a file without {@code self} goes to every peer, so it is checked from each peer's point
   * of view (each peer as self) and is valid when all of them are. A problem seen from some peers
   * only says which. Reads that one file and has no other side effects.
   */
  public static LoadResult validate(Path file, Optional<String> self, String hostname) {
    Text text = read(file);
    if (text.problem() != null) {
      return new LoadResult.Invalid(file, List.of(text.problem()));
    }
    YamlTreeReader.Result tree = YamlTreeReader.read(text.text(), file);
    List<String> views = tree.root().map(DesiredStateLoader::peerNames).orElse(List.of());
    if (self.isPresent() || views.isEmpty()) {
      return parse(text.text(), file, self.orElse(hostname));
    }
    Map<String, List<String>> seenFrom = new LinkedHashMap<>();
    Map<String, Problem> byText = new LinkedHashMap<>();
    LoadResult first = null;
    for (String view : views) {
      LoadResult r = DesiredStateBinder.bind(tree.root().get(), file, view, HbaParser.POSTGRES, tree.problems());
      first = first == null ? r : first;
      if (r instanceof LoadResult.Invalid invalid) {
        for (Problem p : invalid.problems()) {
          byText.putIfAbsent(p.toString(), p);
          seenFrom.computeIfAbsent(p.toString(), k -> new ArrayList<>()).add(view);
        }
      }
    }
    if (byText.isEmpty()) {
      return first;
    }
    List<Problem> problems = new ArrayList<>();
    byText.forEach((key, p) -> {
      List<String> from = seenFrom.get(key);
      problems.add(from.size() == views.size() ? p
          : new Problem(p.location(), p.field(), p.message() + " (with self: " + String.join(", ", from) + ")"));
    });
    problems.sort(Comparator.comparingInt((Problem p) -> p.location().line()).thenComparingInt(p -> p.location().column()));
    return new LoadResult.Invalid(file, problems);
  }

  /** The peers' names when the file has peers and no self of its own; otherwise none. */
  private static List<String> peerNames(YamlNode root) {
    if (!(root instanceof YamlNode.Mapping top) || top.entry("self").isPresent()) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    top.entry("peers").map(YamlNode.Entry::value).ifPresent(peers -> {
      if (peers instanceof YamlNode.Sequence list) {
        for (YamlNode item : list.items()) {
          if (item instanceof YamlNode.Mapping m
              && m.entry("name").map(YamlNode.Entry::value).orElse(null) instanceof YamlNode.Scalar name
              && !names.contains(name.text())) {
            names.add(name.text());
          }
        }
      }
    });
    return names;
  }

  /** The text of a desired-state file, or why it cannot be one. */
  record Text(String text, Problem problem) {}

  /** A desired-state file is at most this many bytes; a 1,000-peer file is well below it. */
  static final int MAX_BYTES = 1 << 20;

  /**
   * Reads {@code file} as UTF-8 text of at most {@link #MAX_BYTES} bytes: a UTF-8 byte-order mark
   * is dropped; UTF-16 or UTF-32, a byte that is not UTF-8 or a control character (NUL...) is a
   * problem at its line and column.
   */
  static Text read(Path file) {
    byte[] bytes;
    try (java.io.InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      return new Text(null, unreadableProblem(file, "no such file"));
    } catch (AccessDeniedException e) {
      return new Text(null, unreadableProblem(file, io.pgconverge.host.FileAccess.permissionDenied(file)));
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new Text(null, unreadableProblem(file, Files.isDirectory(file) ? "it is a directory" : reason));
    }
    return TextChecks.decode(bytes, file, MAX_BYTES);
  }

  static Problem unreadableProblem(Path file, String reason) {
    return new Problem(new SourceLocation(file, 1, 1), "", "cannot read desired-state file " + file + ": " + reason);
  }

}
