package io.pgconverge.apply;

import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.host.ProcessCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lets the server binary judge a candidate postgresql.conf before it is written where the server
 * reads it: {@code postgres -D <scratch dir> -C port} loads the file exactly as the server would
 * and exits 1 with the server's own message for an unknown name or a wrong value. Writes only in
 * a private scratch directory, which it removes.
 *
 * <p>The last content a binary accepted is remembered in memory, so the same file judged twice in
 * a process (before a pushed desired state is adopted, then before it is written) runs the server
 * once.
 */
public final class ConfigValidator {
  private static final Pattern LINE = Pattern.compile("line (\\d+)");

  private static Path acceptedBin;
  private static String acceptedContent;

  private ConfigValidator() {}

  /** Returns the server's complaints (empty when the file is accepted); runs postgres with a runner of its own. */
  public static List<String> problems(Path bin, String content) throws IOException {
    return problems(new ProcessCommands(), bin, content);
  }

  /** Returns the server's complaints (empty when the file is accepted), running postgres through {@code commands}. */
  public static synchronized List<String> problems(Commands commands, Path bin, String content) throws IOException {
    if (bin.equals(acceptedBin) && content.equals(acceptedContent)) {
      return List.of();
    }
    Path dir = Files.createTempDirectory("pgconverge-validate-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Files.writeString(dir.resolve("postgresql.conf"), content, StandardCharsets.UTF_8);
      CommandResult r = commands.run(
          List.of(bin.resolve("postgres").toString(), "-D", dir.toString(), "-C", "port"), Duration.ofSeconds(30));
      if (r.ok()) {
        acceptedBin = bin;
        acceptedContent = content;
        return List.of();
      }
      List<String> lines = (r.stderr() + "\n" + r.stdout()).lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty())
          .filter(l -> !l.contains("skipping missing configuration file"))
          .filter(l -> !l.contains("contains errors"))
          .map(l -> l.replaceFirst("^\\S+ \\S+ \\S+ \\[\\d+\\] ", ""))
          .map(l -> l.replace(dir.resolve("postgresql.conf").toString(), "the new postgresql.conf"))
          .toList();
      return lines.isEmpty() ? List.of("postgres -C exited " + r.exitCode()) : lines;
    } finally {
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /** The 1-based line a complaint names, if any ("… line 7"). */
  public static int lineOf(String complaint) {
    Matcher m = LINE.matcher(complaint);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
