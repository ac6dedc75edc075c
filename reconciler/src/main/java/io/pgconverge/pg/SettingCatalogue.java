package io.pgconverge.pg;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's own list of parameters for one major version: name, type, unit, range, enum values
 * and context of each, as the server reported them ({@code postgres --describe-config}, {@code
 * pg_settings} of a throwaway server and {@code postgres -C} probes; see {@code
 * reconciler/catalogue/build-catalogue.sh}). Shipped in the jar as {@code settings-<major>.tsv},
 * so a machine without PostgreSQL knows them too.
 *
 * <p>Which major a host runs, without running anything ({@link #majorFor}):
 *
 * <ol>
 *   <li>the one {@code postgres.bin} names ({@code /usr/lib/postgresql/15/bin}, {@code
 *       /usr/pgsql-15/bin});
 *   <li>else the {@code PG_VERSION} file in the data directory, when it is there and readable;
 *   <li>else the newest major pgconverge knows.
 * </ol>
 */
public final class SettingCatalogue {
  /** The majors whose catalogue ships with pgconverge, oldest first. */
  public static final List<Integer> MAJORS = List.of(13, 14, 15, 16, 17);

  private static final Pattern BIN_MAJOR =
      Pattern.compile("(?:^|/)(?:postgresql/|pgsql-|postgresql-|pgsql)([0-9]{1,2})(?:[./]|$)");
  private static final Map<Integer, SettingCatalogue> LOADED = new ConcurrentHashMap<>();

  /** One parameter, as the server describes it. */
  public record Parameter(
      String name,
      String type,
      String unit,
      String min,
      String max,
      List<String> enumValues,
      List<String> enumAliases,
      SettingContext context) {
    /** Whether this value is one of the enum's labels or the aliases it accepts unlisted. */
    boolean acceptsEnumValue(String value) {
      return enumValues.stream().anyMatch(v -> v.equalsIgnoreCase(value))
          || enumAliases.stream().anyMatch(v -> v.equalsIgnoreCase(value));
    }
  }

  private final int major;
  private final Map<String, Parameter> byLowerName;

  private SettingCatalogue(int major, Map<String, Parameter> byLowerName) {
    this.major = major;
    this.byLowerName = byLowerName;
  }

  /**
   * The catalogue of {@code major}, read from the jar once.
   *
   * @throws IllegalArgumentException when pgconverge ships none for that major
   */
  public static SettingCatalogue of(int major) {
    if (!MAJORS.contains(major)) {
      throw new IllegalArgumentException(
          "pgconverge knows the parameters of PostgreSQL " + MAJORS + ", not of " + major);
    }
    return LOADED.computeIfAbsent(major, SettingCatalogue::load);
  }

  /** The catalogue of the newest major pgconverge knows. */
  public static SettingCatalogue newest() {
    return of(MAJORS.get(MAJORS.size() - 1));
  }

  /**
   * The major of the host (see the class comment) from its {@code postgres.bin} and the text of
   * {@code PG_VERSION} in its data directory, when that could be read. Has no side effects.
   */
  public static int majorFor(Optional<Path> bin, Optional<String> pgVersion) {
    Optional<Integer> fromBin = bin.flatMap(SettingCatalogue::majorOfBin);
    if (fromBin.isPresent()) {
      return fromBin.get();
    }
    if (pgVersion.isPresent()) {
      try {
        int major = Integer.parseInt(pgVersion.get().strip());
        if (MAJORS.contains(major)) {
          return major;
        }
      } catch (NumberFormatException e) {
        // not a version: fall through to the newest
      }
    }
    return MAJORS.get(MAJORS.size() - 1);
  }

  /** The catalogue for that host: {@code of(majorFor(bin, pgVersion))}. */
  public static SettingCatalogue forHost(Optional<Path> bin, Optional<String> pgVersion) {
    return of(majorFor(bin, pgVersion));
  }

  /** The known major a binary directory's path names, if it names one. Has no side effects. */
  static Optional<Integer> majorOfBin(Path bin) {
    Matcher m = BIN_MAJOR.matcher(bin.toString());
    Optional<Integer> found = Optional.empty();
    while (m.find()) {
      int major = Integer.parseInt(m.group(1));
      if (MAJORS.contains(major)) {
        found = Optional.of(major);
      }
    }
    return found;
  }

  public int major() {
    return major;
  }

  /** The parameter of that name; names are case-insensitive, as in the server. */
  public Optional<Parameter> find(String name) {
    return Optional.ofNullable(byLowerName.get(name.toLowerCase(Locale.ROOT)));
  }

  /** Every parameter, sorted by lower-case name. */
  public Collection<Parameter> parameters() {
    return byLowerName.values();
  }

  private static SettingCatalogue load(int major) {
    String resource = "settings-" + major + ".tsv";
    Map<String, Parameter> byName = new TreeMap<>();
    try (InputStream in = SettingCatalogue.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks io/pgconverge/pg/" + resource);
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t", -1);
        if (f.length != 8) {
          throw new IllegalStateException(resource + ": not 8 columns: " + line);
        }
        Parameter p =
            new Parameter(f[0], f[1], f[2], f[3], f[4], list(f[5]), list(f[6]), SettingContext.of(f[7]));
        byName.put(f[0].toLowerCase(Locale.ROOT), p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new SettingCatalogue(major, Collections.unmodifiableMap(byName));
  }

  /** A comma-separated list; an empty column is no values, an empty item is the empty label. */
  private static List<String> list(String column) {
    return column.isEmpty() ? List.of() : Arrays.asList(column.split(",", -1));
  }
}
