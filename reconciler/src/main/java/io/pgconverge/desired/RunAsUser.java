package io.pgconverge.desired;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code postgres.user} of a desired-state file, read on its own so that a process started as
 * root can hand over to that user before it does anything else (loads the whole state, configures
 * logging, builds its command line), and the user's process does all the work, validation
 * included, once. Only an unambiguous answer counts: the file reads as text, parses as YAML with
 * no problem, has a {@code postgres} mapping, and its {@code user} is absent (then {@code
 * postgres}) or a string that passes the same grammar as the full validation (never {@code root}).
 * Anything else is empty, and the caller takes the long way (full load as root, which reports
 * what is wrong). Reads that one file; no other side effects.
 */
public final class RunAsUser {
  private RunAsUser() {}

  public static Optional<String> of(Path file) {
    DesiredStateLoader.Text text = DesiredStateLoader.read(file);
    if (text.problem() != null) {
      return Optional.empty();
    }
    YamlTreeReader.Result tree = YamlTreeReader.read(text.text(), file);
    if (!tree.problems().isEmpty() || !(tree.root().orElse(null) instanceof YamlNode.Mapping top)
        || !(top.entry("postgres").map(YamlNode.Entry::value).orElse(null) instanceof YamlNode.Mapping postgres)) {
      return Optional.empty();
    }
    Optional<YamlNode.Entry> user = postgres.entry("user");
    if (user.isEmpty()) {
      return Optional.of("postgres");
    }
    if (!(user.get().value() instanceof YamlNode.Scalar s) || s.kind() != YamlNode.ScalarKind.STRING
        || ValueGrammar.noControlCharacters(s.text()).isPresent() || ValueGrammar.osUser(s.text()).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(s.text());
  }
}
