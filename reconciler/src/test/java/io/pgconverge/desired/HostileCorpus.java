package io.pgconverge.desired;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The hostile desired-state files of src/test/resources/desired/hostile/ (written by
 * src/test/scripts/make-hostile-corpus.py): each is a valid file with one defect, and says on
 * its first line, or in a {@code .expect} sidecar, the line and field pgconverge must report.
 */
public final class HostileCorpus {
  public static final Path DIR = Path.of("src/test/resources/desired/hostile");
  public static final Path BASE = Path.of("src/test/resources/desired/hostile-base.yaml");

  /** Passwords in the files the corpus refers to; no output may repeat one. */
  public static final String REPLICATOR_SECRET = "Hostile-Secret-Replicator-4711";
  public static final String APP_SECRET = "Hostile-Secret-App-4712";
  public static final String INLINE_SECRET = "Hostile-Inline-Secret-0815";
  public static final List<String> SECRETS = List.of(REPLICATOR_SECRET, APP_SECRET, INLINE_SECRET);

  private static final Pattern EXPECT = Pattern.compile("# expect: (\\d+) (\\S+)");

  /** One corpus file and what it must produce. */
  public record Case(Path file, int line, String field) {
    @Override
    public String toString() {
      return file.getFileName().toString();
    }

    /** A problem about the file as a whole (not YAML, not UTF-8, too big) has no field. */
    public boolean fileLevel() {
      return field.equals("-");
    }
  }

  private HostileCorpus() {}

  public static List<Case> cases() {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().map(HostileCorpus::caseOf).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Case caseOf(Path file) {
    Path sidecar = Path.of(file + ".expect");
    String first;
    try {
      first = Files.isRegularFile(sidecar)
          ? Files.readString(sidecar).lines().findFirst().orElse("")
          : new String(Files.readAllBytes(file), 0, (int) Math.min(200, Files.size(file)), StandardCharsets.UTF_8)
              .lines().findFirst().orElse("");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Matcher m = EXPECT.matcher(first);
    if (!m.lookingAt()) {
      throw new IllegalStateException(file + " has no '# expect: <line> <field>' line");
    }
    return new Case(file, Integer.parseInt(m.group(1)), m.group(2));
  }

  /**
   * A copy of the case in {@code dir}, its password files in {@code dir} too (holding {@link
   * #SECRETS}); text files get their password_file paths pointed there, binary ones stay as
   * they are.
   */
  public static Path install(Path source, Path dir) throws IOException {
    Files.writeString(dir.resolve("replicator.password"), REPLICATOR_SECRET + "\n");
    Files.writeString(dir.resolve("app.password"), APP_SECRET + "\n");
    byte[] bytes = Files.readAllBytes(source);
    Path target = dir.resolve(source.getFileName());
    if (Files.exists(Path.of(source + ".expect"))) {
      Files.write(target, bytes);
    } else {
      String text = new String(bytes, StandardCharsets.UTF_8)
          .replace("/etc/pgconverge/replicator.password", dir.resolve("replicator.password").toString())
          .replace("/etc/pgconverge/app.password", dir.resolve("app.password").toString());
      Files.writeString(target, text);
    }
    return target;
  }
}
