package io.pgconverge.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every hostile file is refused by {@code pgconverge validate}: exit 1, a problem within one line
 * of the defect naming its field, no stack trace, no password repeated, quickly. (The same files
 * run through the real jar with a 256 MiB heap in HostileCorpusIT.)
 */
class HostileCorpusTest {

  @org.junit.jupiter.api.BeforeAll
  static void warmUp(@TempDir Path dir) throws Exception {
    validate(HostileCorpus.install(HostileCorpus.BASE, dir)); // class loading is not the file's time
  }

  static List<HostileCorpus.Case> cases() {
    return HostileCorpus.cases();
  }

  @Test
  void theCorpusHoldsAtLeast120FilesAndItsBaseIsValid(@TempDir Path dir) throws Exception {
    assertThat(cases()).hasSizeGreaterThanOrEqualTo(120);
    Path base = HostileCorpus.install(HostileCorpus.BASE, dir);
    Run run = validate(base);
    assertThat(run.exit).as(run.output).isEqualTo(0);
    assertThat(run.output).contains("valid ");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRefusedAtTheDefectWithItsField(HostileCorpus.Case c, @TempDir Path dir) throws Exception {
    Path file = HostileCorpus.install(c.file(), dir);
    long start = System.nanoTime();
    Run run = validate(file);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(run.exit).as(run.output).isEqualTo(1);
    assertThat(run.output).as("no stack trace").doesNotContain("Exception").doesNotContain("\tat ");
    for (String secret : HostileCorpus.SECRETS) {
      assertThat(run.output).as("a password repeated").doesNotContain(secret);
    }
    assertThat(run.output.lines()).as(run.output).allMatch(l -> l.startsWith(file + ":"));
    assertThat(run.output.length()).as("output size").isLessThan(64 * 1024);
    assertThat(millis).as("milliseconds").isLessThan(2000);

    LoadResult r = DesiredStateLoader.validate(file, Optional.empty(), "config-management-host");
    assertThat(r).isInstanceOf(LoadResult.Invalid.class);
    List<Problem> problems = ((LoadResult.Invalid) r).problems();
    assertThat(problems)
        .as("a problem within one line of line %d about %s; got:%n%s", c.line(), c.field(), run.output)
        .anyMatch(p -> Math.abs(p.location().line() - c.line()) <= 1
            && (c.fileLevel() ? p.field().isEmpty() : p.field().startsWith(c.field())));
  }

  record Run(int exit, String output) {}

  static Run validate(Path file) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    int exit;
    try {
      System.setOut(capture);
      System.setErr(capture);
      CommandLine cl = new CommandLine(new Main());
      cl.setOut(new java.io.PrintWriter(capture, true));
      cl.setErr(new java.io.PrintWriter(capture, true));
      exit = cl.execute("validate", file.toString());
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return new Run(exit, buffer.toString(StandardCharsets.UTF_8));
  }
}
