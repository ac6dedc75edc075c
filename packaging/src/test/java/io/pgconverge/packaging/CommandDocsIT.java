package io.pgconverge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The man pages and the shell completion both packages ship (target/stage, as built by
 * {@code mvn package}) against the command model of the jar they ship: every visible command has
 * its page and every visible option is named on it, there is no page for a command that does not
 * exist, and bash and zsh complete commands and options. Runs nothing outside a temporary
 * directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandDocsIT {
  private final Path stage = Host.property("pkg.stage");
  private final Path man1 = stage.resolve("usr/share/man/man1");
  private final Path bash = stage.resolve("usr/share/bash-completion/completions/pgconverge");
  private final Path zsh = stage.resolve("usr/share/zsh/vendor-completions/_pgconverge");
  private final CommandSpec root = new CommandLine(new io.pgconverge.cli.Main()).getCommandSpec();
  private Path tmp;

  @BeforeAll
  void makeTemp() throws IOException {
    tmp = Files.createTempDirectory("pgconverge-docs-it-");
  }

  @AfterAll
  void removeTemp() {
    Host.deleteTree(tmp);
  }

  /** The visible commands under spec, depth first, spec itself first. */
  private static List<CommandSpec> visible(CommandSpec spec) {
    List<CommandSpec> out = new ArrayList<>();
    out.add(spec);
    for (CommandLine sub : spec.subcommands().values()) {
      CommandSpec s = sub.getCommandSpec();
      if (!s.usageMessage().hidden() && !out.contains(s)) {
        out.addAll(visible(s));
      }
    }
    return out.stream().distinct().toList();
  }

  private static String pageName(CommandSpec spec) {
    return spec.qualifiedName("-");
  }

  /** The roff source of a gzipped page with its escaped hyphens read as hyphens. */
  private String page(String name) throws IOException {
    Path p = man1.resolve(name + ".1.gz");
    assertThat(p).as("man page %s(1)", name).exists();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toString(StandardCharsets.UTF_8).replace("\\-", "-");
    }
  }

  @Test
  void everyCommandHasAPageNamingEachOfItsOptionsAndNoPageIsForACommandThatIsGone() throws IOException {
    List<CommandSpec> commands = visible(root);
    assertThat(commands).extracting(CommandSpec::name).contains("apply", "check", "validate", "status", "daemon");
    String rootPage = page("pgconverge");
    TreeSet<String> expected = new TreeSet<>();
    for (CommandSpec c : commands) {
      String name = pageName(c);
      expected.add(name + ".1.gz");
      String text = page(name);
      assertThat(text).as("%s(1) title", name).contains(".TH \"" + name.toUpperCase() + "\" \"1\"");
      if (c != root) {
        assertThat(rootPage).as("pgconverge(1) lists the command %s", c.name()).contains(c.name());
      }
      for (OptionSpec o : c.options()) {
        if (o.hidden()) {
          continue;
        }
        for (String optionName : o.names()) {
          assertThat(text).as("%s(1) names the option %s", name, optionName).contains(optionName);
        }
      }
      if (c.usageMessage().description().length > 0) {
        // Up to the first character roff escapes (an apostrophe, a dash).
        String first = c.usageMessage().description()[0].split("['\\-]")[0];
        assertThat(text).as("%s(1) carries the command's description", name).contains(first);
      }
    }
    TreeSet<String> shipped = new TreeSet<>();
    try (Stream<Path> s = Files.list(man1)) {
      s.forEach(p -> shipped.add(p.getFileName().toString()));
    }
    assertThat(shipped).as("the man pages shipped").isEqualTo(expected);
    assertThat(rootPage).contains("FILES", "/etc/pgconverge/desired-state.yaml", "ENVIRONMENT", "JAVA_OPTS");
  }

  @Test
  void hiddenCommandsAndOptionsAreInNoPageAndNoCompletion() throws IOException {
    assertThat(root.subcommands()).containsKey("cds-train");
    StringBuilder all = new StringBuilder();
    try (Stream<Path> s = Files.list(man1)) {
      for (Path p : s.toList()) {
        all.append(page(p.getFileName().toString().replace(".1.gz", "")));
      }
    }
    assertThat(all.toString()).doesNotContain("cds-train", "--bench-runs");
    assertThat(Files.readString(bash)).doesNotContain("cds-train", "--bench-runs");
  }

  private List<String> bashComplete(String line) {
    String script = "source \"$0\"\n"
        + "COMP_LINE=\"$1\"; read -r -a COMP_WORDS <<< \"$1\"\n"
        + "case \"$1\" in *' ') COMP_WORDS+=(''); esac\n"
        + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        + "_complete_pgconverge 2>/dev/null\n"
        + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    return Host.lines(Host.run(tmp, Map.of(), 30, "bash", "-c", script, bash.toString(), line).ok().output());
  }

  @Test
  void bashCompletesEveryCommandAndEveryOptionOfEachCommand() {
    assertThat(Files.isRegularFile(bash)).isTrue();
    assertThat(bashComplete("pgconverge ap")).containsExactly("apply");
    assertThat(bashComplete("pgconverge apply --con")).containsExactly("--config");
    List<CommandSpec> commands = visible(root);
    List<String> names = commands.stream().filter(c -> c != root).map(CommandSpec::name).toList();
    assertThat(bashComplete("pgconverge ")).containsAll(names).doesNotContain("cds-train");
    for (CommandSpec c : commands) {
      if (c == root) {
        continue;
      }
      List<String> offered = bashComplete(c.qualifiedName(" ") + " -");
      for (OptionSpec o : c.options()) {
        if (!o.hidden()) {
          assertThat(offered).as("bash completion of `%s -`", c.qualifiedName(" ")).contains(o.longestName());
        }
      }
    }
  }

  @Test
  void zshCompletesACommandFromItsVendorCompletionsFile() throws IOException {
    assertThat(Host.missingCommand("zsh")).as("zsh is missing; .ci/run installs it").isNull();
    assertThat(Files.readAllLines(zsh).get(0)).isEqualTo("#compdef pgconverge");
    Path fn = Files.createDirectories(tmp.resolve("fn"));
    Files.copy(zsh, fn.resolve("_pgconverge"));
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path stub = bin.resolve("pgconverge");
    Files.writeString(stub, "#!/bin/sh\nexit 0\n");
    stub.toFile().setExecutable(true);
    // An interactive zsh on a pseudo-terminal (zsh/zpty): type `pgconverge ap<TAB>`, then make
    // the edited line print itself. Each wait is bounded; the whole run by Host's timeout.
    String driver = String.join("\n",
        "zmodload zsh/zpty",
        "zpty z \"env -i HOME=$1 PATH=$1/bin:/usr/bin:/bin TERM=xterm zsh -f -i\"",
        "zpty -w z \"fpath=($1/fn \\$fpath); autoload -U compinit; compinit -u -D; PS1='%% '\"",
        "sleep 2",
        "zpty -w -n z $'pgconverge ap\\t'",
        "sleep 2",
        "zpty -w -n z $'\\x01print -r -- COMPLETED \\n'",
        "sleep 1",
        "zpty -w z exit",
        "out=''",
        "while zpty -r z line; do out+=$line; done",
        "zpty -d z",
        "print -r -- \"$out\" | tr '\\r' '\\n' | grep -a '^COMPLETED '",
        "");
    Path driverFile = tmp.resolve("driver.zsh");
    Files.writeString(driverFile, driver);
    Host.Result r = Host.run(tmp, Map.of(), 60, "zsh", "-f", driverFile.toString(), tmp.toString());
    assertThat(r.output()).as("what zsh made of `pgconverge ap<TAB>`").contains("COMPLETED pgconverge apply");
  }
}
