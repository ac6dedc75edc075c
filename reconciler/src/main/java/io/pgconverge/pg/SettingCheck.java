package io.pgconverge.pg;

import io.pgconverge.pg.SettingCatalogue.Parameter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a {@code postgresql.conf} setting offline, as the server would read it from the file,
 * against the {@link SettingCatalogue} of the host's major version. Has no side effects.
 *
 * <p>The steps, each the server's own rule ({@code guc.c}):
 *
 * <ol>
 *   <li>A name with a dot ({@code auto_explain.log_min_duration}) is a custom setting of an
 *       extension: any value is allowed, the extension judges it when it is loaded.
 *   <li>Any other name must be in the catalogue (case-insensitive); an unknown one gets the
 *       nearest known names by edit distance ("did you mean"). An {@code internal} parameter
 *       ({@code block_size}) is fixed and cannot be set.
 *   <li><b>bool</b> ({@code parse_bool}): {@code on}, {@code off}, {@code true}, {@code false},
 *       {@code yes}, {@code no}, {@code 1}, {@code 0}, case-insensitive, and prefixes that are
 *       unique ({@code t}, {@code fa}, {@code of}); no surrounding spaces.
 *   <li><b>integer</b> ({@code parse_int}): {@code strtol} syntax (hex {@code 0x1F}, octal {@code
 *       017}), a fraction or exponent re-read as a real, an optional unit converted to the
 *       parameter's own unit ({@link SettingValues}: {@code 1.5MB} of 8kB pages rounds to 192), and
 *       then min and max.
 *   <li><b>real</b> ({@code parse_real}): {@code strtod} syntax, unit, min and max.
 *   <li><b>enum</b>: one of the labels, or of the aliases the server accepts without listing them
 *       ({@code wal_level = hot_standby}), case-insensitive, no surrounding spaces.
 *   <li><b>string</b>: anything; check hooks ({@code timezone}, {@code search_path}) are left to
 *       the server's {@code postgres -C} check before writing, which stays the last word.
 * </ol>
 */
public final class SettingCheck {
  private static final Pattern HEX = Pattern.compile("\\s*([-+]?)0[xX]([0-9a-fA-F]+)(.*)", Pattern.DOTALL);
  private static final Pattern SETTING_UNIT = Pattern.compile("([0-9]*)([A-Za-z]+)");
  private static final List<String> MEMORY = List.of("TB", "GB", "MB", "kB", "B");
  private static final long[] MEMORY_BYTES = {1L << 40, 1L << 30, 1L << 20, 1L << 10, 1L};
  private static final List<String> TIME = List.of("d", "h", "min", "s", "ms", "us");
  private static final long[] TIME_MICROS = {
    86_400_000_000L, 3_600_000_000L, 60_000_000L, 1_000_000L, 1_000L, 1L
  };

  private SettingCheck() {}

  /**
   * What is wrong with {@code name = value} for the catalogue's major, as one sentence; empty when
   * the server would accept it (or only its check hook could refuse it). Has no side effects.
   */
  public static Optional<String> problem(SettingCatalogue catalogue, String name, String value) {
    if (name.contains(".")) {
      return Optional.empty();
    }
    Optional<Parameter> found = catalogue.find(name);
    if (found.isEmpty()) {
      return Optional.of(unknown(catalogue, name));
    }
    Parameter p = found.get();
    if (p.context() == SettingContext.INTERNAL) {
      return Optional.of(
          "\"" + p.name() + "\" is fixed when PostgreSQL is built or the data directory is created; it"
              + " cannot be set in postgresql.conf");
    }
    return switch (p.type()) {
      case "bool" -> parseBool(value)
          ? Optional.empty()
          : Optional.of("must be a Boolean: on, off, true, false, yes, no, 1 or 0, got \"" + value + "\"");
      case "integer", "real" -> number(p, value);
      case "enum" -> p.acceptsEnumValue(value) ? Optional.empty() : Optional.of(badEnum(p, value));
      default -> Optional.empty();
    };
  }

  /** PostgreSQL's {@code parse_bool}: whole words or unique prefixes, case-insensitive. */
  static boolean parseBool(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    if (v.isEmpty()) {
      return false;
    }
    return switch (v.charAt(0)) {
      case 't' -> "true".startsWith(v);
      case 'f' -> "false".startsWith(v);
      case 'y' -> "yes".startsWith(v);
      case 'n' -> "no".startsWith(v);
      case 'o' -> v.length() >= 2 && ("on".equals(v) || "off".startsWith(v));
      case '1', '0' -> v.length() == 1;
      default -> false;
    };
  }

  private static Optional<String> number(Parameter p, String value) {
    String unit = p.unit().isEmpty() ? null : p.unit();
    String canonical;
    try {
      canonical = SettingValues.canonical(realHexToDecimal(p, value), p.type(), unit);
    } catch (IllegalArgumentException e) {
      String kind = p.type().equals("integer") ? "an integer" : "a number";
      String units = unitsFor(unit);
      return Optional.of(
          "must be " + kind + (units.isEmpty() ? "" : " with an optional unit (" + units + ")")
              + ", got \"" + value + "\"");
    }
    BigDecimal v = new BigDecimal(canonical);
    BigDecimal min = bound(p.min());
    BigDecimal max = bound(p.max());
    if ((min != null && v.compareTo(min) < 0) || (max != null && v.compareTo(max) > 0)) {
      String read = shown(v.toPlainString(), unit);
      return Optional.of(
          "must be between " + shown(p.min(), unit) + " and " + shown(p.max(), unit) + ", got \""
              + value + "\"" + (read.equals(value.strip()) ? "" : " (" + read + ")"));
    }
    return Optional.empty();
  }

  /**
   * {@code strtod} reads hex too ({@code 0x10} is 16), which {@link SettingValues} leaves to the
   * integer path; a real's hex digits become decimal here.
   */
  private static String realHexToDecimal(Parameter p, String value) {
    Matcher m = HEX.matcher(value);
    if (!p.type().equals("real") || !m.matches() || m.group(3).startsWith(".")) {
      return value;
    }
    return m.group(1) + new BigInteger(m.group(2), 16) + m.group(3);
  }

  /**
   * A min or max as the catalogue has it; null for one past what a double holds ({@code %g} prints
   * {@code DBL_MAX} as 1.79769e+308, a little below it), which means no bound.
   */
  private static BigDecimal bound(String text) {
    if (text.isEmpty()) {
      return null;
    }
    BigDecimal b = new BigDecimal(text);
    return b.abs().compareTo(new BigDecimal("1e300")) > 0 ? null : b;
  }

  /** A value in the parameter's unit, with the unit a DBA writes: 16 (8kB) is 128kB. */
  private static String shown(String number, String unit) {
    if (unit == null) {
      return number;
    }
    Matcher m = SETTING_UNIT.matcher(unit);
    BigDecimal n = new BigDecimal(number);
    if (n.signum() <= 0) {
      return n.toPlainString();
    }
    if (!m.matches() || n.stripTrailingZeros().scale() > 0) {
      return n.stripTrailingZeros().toPlainString() + (unit.matches("[0-9].*") ? " × " : "") + unit;
    }
    long prefix = m.group(1).isEmpty() ? 1 : Long.parseLong(m.group(1));
    List<String> family = MEMORY.contains(m.group(2)) ? MEMORY : TIME;
    long[] factors = family == MEMORY ? MEMORY_BYTES : TIME_MICROS;
    int base = family.indexOf(m.group(2));
    if (base < 0) {
      return n.toPlainString() + " " + unit;
    }
    BigInteger smallest = n.toBigIntegerExact()
        .multiply(BigInteger.valueOf(prefix))
        .multiply(BigInteger.valueOf(factors[base]));
    for (int i = 0; i < factors.length; i++) {
      BigInteger[] qr = smallest.divideAndRemainder(BigInteger.valueOf(factors[i]));
      if (qr[1].signum() == 0) {
        return qr[0] + family.get(i);
      }
    }
    return n.toPlainString() + " " + unit;
  }

  private static String unitsFor(String unit) {
    if (unit == null) {
      return "";
    }
    Matcher m = SETTING_UNIT.matcher(unit);
    if (!m.matches()) {
      return "";
    }
    if (MEMORY.contains(m.group(2))) {
      return "B, kB, MB, GB, TB";
    }
    return TIME.contains(m.group(2)) ? "us, ms, s, min, h, d" : "";
  }

  private static String badEnum(Parameter p, String value) {
    String labels = String.join(", ", p.enumValues().stream().map(v -> v.isEmpty() ? "''" : v).toList());
    return "must be one of " + labels + ", got \"" + value + "\"" + didYouMean(value, p.enumValues());
  }

  private static String unknown(SettingCatalogue catalogue, String name) {
    List<String> names = catalogue.parameters().stream().map(Parameter::name).toList();
    String hint = didYouMean(name, names);
    return "PostgreSQL " + catalogue.major() + " has no parameter \"" + name + "\"" + (hint.isEmpty()
        ? " (a setting of an extension is written with its prefix and a dot, such as auto_explain.log_min_duration)"
        : hint);
  }

  /** "; did you mean "x"?" for the nearest candidate within a few edits, else "". */
  static String didYouMean(String written, List<String> candidates) {
    String w = written.toLowerCase(Locale.ROOT);
    int allowed = Math.max(2, w.length() / 4);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      if (c.isEmpty()) {
        continue;
      }
      int d = editDistance(w, c.toLowerCase(Locale.ROOT));
      if (d <= allowed && d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean \"" + best + "\"?";
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one character each. */
  public static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
