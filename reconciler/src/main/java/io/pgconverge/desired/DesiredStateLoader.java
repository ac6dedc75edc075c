package io.pgconverge.desired;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

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
   * that cannot be read is an {@link LoadResult.Invalid} pointing at its line 1, column 1.
   *
   * @param defaultSelf the peer name this host has when the file does not say ({@code self}),
   *     usually the machine's hostname
   */
  public static LoadResult load(Path file, String defaultSelf) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return unreadable(file, "no such file");
    } catch (AccessDeniedException e) {
      return unreadable(file, io.pgconverge.host.FileAccess.permissionDenied(file));
    } catch (CharacterCodingException e) {
      return unreadable(file, "it is not UTF-8 text");
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return unreadable(file, Files.isDirectory(file) ? "it is a directory" : reason);
    }
    synchronized (DesiredStateLoader.class) {
      if (lastResult != null && file.equals(lastFile) && defaultSelf.equals(lastSelf) && text.equals(lastText)) {
        return lastResult;
      }
    }
    LoadResult result = parse(text, file, defaultSelf);
    synchronized (DesiredStateLoader.class) {
      lastFile = file;
      lastSelf = defaultSelf;
      lastText = text;
      lastResult = result;
    }
    return result;
  }

  /**
   * The text {@code state} was parsed from, when it is the last state {@link #load} returned
   * (what the daemon keeps as a copy of the state it enforces); has no side effects.
   */
  public static java.util.Optional<String> textOf(DesiredState state) {
    synchronized (DesiredStateLoader.class) {
      return lastResult instanceof LoadResult.Valid v && v.state() == state ? java.util.Optional.of(lastText) : java.util.Optional.empty();
    }
  }

  // The daemon reads the file on every run; when its text has not changed, the (immutable) result
  // of the last parse is the answer, so a 1,000-line desired state is not parsed again every run.
  private static Path lastFile;
  private static String lastSelf;
  private static String lastText;
  private static LoadResult lastResult;

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

  private static LoadResult unreadable(Path file, String reason) {
    return new LoadResult.Invalid(
        file,
        List.of(
            new Problem(
                new SourceLocation(file, 1, 1), "", "cannot read desired-state file " + file + ": " + reason)));
  }
}
