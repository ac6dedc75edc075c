package io.pgconverge.loop;

import io.pgconverge.apply.ConfigValidator;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Problem;
import io.pgconverge.desired.SourceLocation;
import io.pgconverge.observe.BinaryFact;
import io.pgconverge.observe.BinaryProbe;
import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.FileProbe;
import io.pgconverge.pg.ConfEntry;
import io.pgconverge.pg.ConfParser;
import io.pgconverge.pg.ConfSyntaxException;
import io.pgconverge.plan.ManagedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's word on a desired state before any of it is enforced: a file that loads and
 * validates is still invalid for this host when the server binary rejects the postgresql.conf it
 * renders (a misspelt name, a time zone the server does not know, a value out of range). Such a
 * state is refused whole — by {@code apply} and {@code check} (exit 1) and by the daemon, which
 * keeps enforcing the last state the server accepted — instead of being half applied (roles and
 * hba yes, postgresql.conf no).
 *
 * <ol>
 *   <li>No server binaries found: no verdict (the run itself refuses, naming postgres.bin).
 *   <li>The postgresql.conf on disk already has exactly the rendered bytes: accepted without
 *       asking (nothing would be written; the cheap path of every converged run).
 *   <li>Else {@link ConfigValidator} loads the rendered file with that binary ({@code postgres -C}
 *       in a private scratch directory); each complaint becomes a {@link Problem} at the setting
 *       it names ({@code postgres.settings.timezone}, by the line of the rendered file or the
 *       parameter name in the message).
 * </ol>
 *
 * <p>Writes nothing outside that scratch directory. An instance remembers its last verdict for
 * one desired-state object (the loader hands out the same object while the file's text is
 * unchanged), so a daemon asks the server once per pushed file, not once per run.
 */
public final class ServerAcceptance {
  private static final Pattern PARAMETER = Pattern.compile("parameter \"([^\"]+)\"");
  private static final Pattern SEVERITY = Pattern.compile("^(LOG|WARNING|FATAL|ERROR|DETAIL|HINT):\\s+");
  private static final Pattern IN_FILE = Pattern.compile(" in file \"[^\"]*\" line \\d+$");

  private DesiredState judged;
  private List<Problem> verdict = List.of();

  /** The problems the server finds with {@code desired} (empty: accepted); remembered for the same object. */
  public List<Problem> problems(DesiredState desired) {
    if (desired != judged) {
      verdict = judge(desired);
      judged = desired;
    }
    return verdict;
  }

  /** The problems the server finds with {@code desired}; empty when it accepts it or cannot be asked. */
  public static List<Problem> judge(DesiredState desired) {
    if (!(BinaryProbe.locate(desired.postgres().bin()) instanceof BinaryFact.Found bin)) {
      return List.of();
    }
    String rendered = ManagedFiles.postgresqlConf(desired);
    if (FileProbe.read(desired.postgres().postgresqlConf()) instanceof FileFact.Present onDisk
        && Arrays.equals(onDisk.bytes(), rendered.getBytes(StandardCharsets.UTF_8))) {
      return List.of();
    }
    List<String> complaints;
    try {
      complaints = ConfigValidator.problems(bin.directory(), rendered);
    } catch (IOException e) {
      return List.of(new Problem(new SourceLocation(desired.source(), 1, 1), "postgres.bin",
          "cannot ask " + bin.directory().resolve("postgres") + " whether it accepts the new postgresql.conf: " + e.getMessage()));
    }
    Map<Integer, String> nameByLine = new HashMap<>();
    try {
      for (ConfEntry e : ConfParser.parse(rendered).entries()) {
        nameByLine.put(e.line(), e.name());
      }
    } catch (ConfSyntaxException e) {
      // our own rendering always parses; without the map, a complaint is placed by its parameter name
    }
    List<Problem> problems = new ArrayList<>();
    for (String complaint : complaints) {
      problems.add(problemOf(desired, complaint, nameByLine.get(ConfigValidator.lineOf(complaint))));
    }
    return problems;
  }

  /** One complaint of the server, placed at the setting it is about (by line, else by the name it quotes). */
  static Problem problemOf(DesiredState desired, String complaint, String nameOnLine) {
    String name = nameOnLine;
    Matcher m = PARAMETER.matcher(complaint);
    if (name == null && m.find()) {
      name = m.group(1).toLowerCase(Locale.ROOT);
    }
    String message = IN_FILE.matcher(SEVERITY.matcher(complaint).replaceFirst("")).replaceFirst("");
    String field = "postgres.settings";
    if (name != null) {
      for (String key : desired.postgres().settings().keySet()) {
        if (key.equalsIgnoreCase(name)) {
          field = "postgres.settings." + key;
        }
      }
    }
    SourceLocation at = desired.locations().of(field)
        .or(() -> desired.locations().of("postgres.settings"))
        .orElse(new SourceLocation(desired.source(), 1, 1));
    return new Problem(at, field, "the server rejects it: " + message);
  }
}
