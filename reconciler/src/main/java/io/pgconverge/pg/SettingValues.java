package io.pgconverge.pg;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a setting value into a canonical string, so that a value read from {@code pg_settings}
 * and a value written in the desired state can be compared by meaning ({@code '1GB'} and {@code
 * 131072} are the same {@code shared_buffers}).
 *
 * <p>The rules follow the server's {@code guc.c} ({@code parse_bool}, {@code parse_int}, {@code
 * parse_real}, {@code convert_to_base_unit}) as of PostgreSQL 13 to 17:
 *
 * <ol>
 *   <li><b>bool</b>: case-insensitive {@code on/off/true/false/yes/no/1/0} and unique prefixes
 *       ({@code t}, {@code fa}, {@code y}, {@code of}); {@code o} alone is ambiguous and invalid.
 *       Canonical form {@code on} / {@code off}.
 *   <li><b>integer</b>: a number as C's {@code strtol(..., 0)} reads it, so {@code 0x10} is 16 and
 *       {@code 010} is 8 (octal) exactly as in the server; if a {@code .} or exponent follows, the
 *       whole number is re-read as a decimal real. Optional whitespace, then an optional unit.
 *       Without a unit the number is in the setting's own unit. With one, the value is multiplied
 *       into the setting's unit, rounded to the nearest multiple of the next smaller unit, then
 *       rounded to an integer with round-half-even ({@code rint}), so {@code 1004kB} of 8kB pages
 *       is 126 and so is {@code 1012kB}. The result must fit in a signed 32-bit integer.
 *   <li><b>real</b>: decimal number, same unit handling without the final rounding; canonical
 *       form has no trailing zeros ({@code 0.50} → {@code 0.5}).
 *   <li><b>enum</b>: trimmed and lower-cased (the server matches enum labels case-insensitively).
 *   <li><b>string</b>: unchanged.
 * </ol>
 *
 * <p>Units are case-sensitive as in the server: memory {@code B kB MB GB TB} (1024-based), time
 * {@code us ms s min h d}. A setting's unit as {@code pg_settings.unit} reports it may carry a
 * number prefix ({@code 8kB}, {@code 16MB}) meaning multiples of it.
 */
public final class SettingValues {
  private static final List<String> MEMORY_UNITS = List.of("TB", "GB", "MB", "kB", "B");
  private static final double[] MEMORY_BYTES = {
    1024.0 * 1024 * 1024 * 1024, 1024.0 * 1024 * 1024, 1024.0 * 1024, 1024.0, 1.0
  };
  private static final List<String> TIME_UNITS = List.of("d", "h", "min", "s", "ms", "us");
  private static final double[] TIME_MICROS = {
    86_400_000_000.0, 3_600_000_000.0, 60_000_000.0, 1_000_000.0, 1_000.0, 1.0
  };
  private static final Pattern SETTING_UNIT = Pattern.compile("([0-9]*)\\s*([A-Za-z]+)");
  private static final Pattern DECIMAL =
      Pattern.compile("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");

  private SettingValues() {}

  /**
   * The canonical form of {@code value} for a setting of this {@code vartype} and {@code unit}
   * (both as in {@code pg_settings}). Has no side effects.
   *
   * @throws IllegalArgumentException naming the value when it is not valid for that type
   */
  public static String canonical(String value, String vartype, String unit) {
    Objects.requireNonNull(vartype, "vartype");
    if (value == null) {
      throw new IllegalArgumentException("missing value for a " + vartype + " setting");
    }
    return switch (vartype.toLowerCase(Locale.ROOT)) {
      case "bool" -> canonicalBool(value);
      case "integer" -> canonicalInteger(value, unit);
      case "real" -> canonicalReal(value, unit);
      case "enum" -> value.trim().toLowerCase(Locale.ROOT);
      case "string" -> value;
      default -> throw new IllegalArgumentException(
          "unknown vartype \"" + vartype + "\"; expected bool, integer, real, string or enum");
    };
  }

  /**
   * Whether two values mean the same for this setting (argument order: actual, desired). Equal raw
   * strings always do; otherwise both must be valid and have equal canonical forms. Has no side
   * effects.
   */
  public static boolean sameMeaning(String actual, String desired, String vartype, String unit) {
    if (Objects.equals(actual, desired)) {
      return true;
    }
    try {
      return canonical(actual, vartype, unit).equals(canonical(desired, vartype, unit));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String canonicalBool(String raw) {
    String v = raw.trim().toLowerCase(Locale.ROOT);
    if (!v.isEmpty()) {
      if ("true".startsWith(v) || "yes".startsWith(v) || v.equals("on") || v.equals("1")) {
        return "on";
      }
      if ("false".startsWith(v)
          || "no".startsWith(v)
          || v.equals("of")
          || v.equals("off")
          || v.equals("0")) {
        return "off";
      }
    }
    throw new IllegalArgumentException(
        "invalid Boolean value \"" + raw + "\"; expected on, off, true, false, yes, no, 1 or 0"
            + (v.equals("o") ? " (\"o\" is ambiguous between on and off)" : ""));
  }

  private static String canonicalInteger(String raw, String unit) {
    Number parsed = readNumber(raw, true);
    double value = applyUnit(raw, parsed.value, parsed.rest, unit, "integer");
    double rounded = Math.rint(value);
    if (Double.isNaN(rounded) || rounded > Integer.MAX_VALUE || rounded < Integer.MIN_VALUE) {
      throw new IllegalArgumentException(
          "value \"" + raw + "\" is out of range for an integer setting");
    }
    return Long.toString((long) rounded);
  }

  private static String canonicalReal(String raw, String unit) {
    Number parsed = readNumber(raw, false);
    double value = applyUnit(raw, parsed.value, parsed.rest, unit, "real");
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("value \"" + raw + "\" is not a finite number");
    }
    if (value == 0.0) {
      return "0";
    }
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  private record Number(double value, String rest) {}

  /** Reads the leading number as strtol(base 0) or strtod would; returns it and the rest. */
  private static Number readNumber(String raw, boolean integerSyntax) {
    int pos = 0;
    while (pos < raw.length() && Character.isWhitespace(raw.charAt(pos))) {
      pos++;
    }
    int start = pos;
    if (integerSyntax) {
      int p = pos;
      boolean negative = false;
      if (p < raw.length() && (raw.charAt(p) == '+' || raw.charAt(p) == '-')) {
        negative = raw.charAt(p) == '-';
        p++;
      }
      int digitsStart = p;
      int radix = 10;
      if (p + 2 < raw.length()
          && raw.charAt(p) == '0'
          && (raw.charAt(p + 1) == 'x' || raw.charAt(p + 1) == 'X')
          && Character.digit(raw.charAt(p + 2), 16) >= 0) {
        radix = 16;
        p += 2;
        digitsStart = p;
      } else if (p < raw.length() && raw.charAt(p) == '0') {
        radix = 8;
      }
      while (p < raw.length() && Character.digit(raw.charAt(p), radix) >= 0
          && raw.charAt(p) < 0x80) {
        p++;
      }
      boolean realFollows =
          p < raw.length() && (raw.charAt(p) == '.' || raw.charAt(p) == 'e' || raw.charAt(p) == 'E');
      if (p > digitsStart && !realFollows) {
        double magnitude = new java.math.BigInteger(raw.substring(digitsStart, p), radix)
            .doubleValue();
        return new Number(negative ? -magnitude : magnitude, raw.substring(p));
      }
      if (!realFollows && p == digitsStart) {
        throw notANumber(raw);
      }
    }
    Matcher m = DECIMAL.matcher(raw).region(start, raw.length());
    if (!m.lookingAt()) {
      throw notANumber(raw);
    }
    return new Number(Double.parseDouble(m.group()), raw.substring(m.end()));
  }

  private static List<String> reversed(List<String> units) {
    java.util.ArrayList<String> copy = new java.util.ArrayList<>(units);
    java.util.Collections.reverse(copy);
    return copy;
  }

  private static IllegalArgumentException notANumber(String raw) {
    return new IllegalArgumentException("invalid numeric value \"" + raw + "\"");
  }

  /** Converts {@code value} written with unit {@code rest} into the setting's {@code unit}. */
  private static double applyUnit(
      String raw, double value, String rest, String settingUnit, String type) {
    String written = rest.strip();
    if (written.isEmpty()) {
      return value;
    }
    if (settingUnit == null || settingUnit.isBlank()) {
      throw new IllegalArgumentException(
          "invalid value \"" + raw + "\": this " + type + " setting does not accept a unit");
    }
    Matcher m = SETTING_UNIT.matcher(settingUnit.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("unrecognised setting unit \"" + settingUnit + "\"");
    }
    double prefix = m.group(1).isEmpty() ? 1 : Double.parseDouble(m.group(1));
    String base = m.group(2);
    List<String> family;
    double[] factors;
    if (MEMORY_UNITS.contains(base)) {
      family = MEMORY_UNITS;
      factors = MEMORY_BYTES;
    } else if (TIME_UNITS.contains(base)) {
      family = TIME_UNITS;
      factors = TIME_MICROS;
    } else {
      throw new IllegalArgumentException("unrecognised setting unit \"" + settingUnit + "\"");
    }
    int index = family.indexOf(written);
    if (index < 0) {
      throw new IllegalArgumentException(
          "invalid value \""
              + raw
              + "\": unknown unit \""
              + written
              + "\"; valid units for this setting are "
              + String.join(", ", reversed(family)));
    }
    double baseFactor = prefix * factors[family.indexOf(base)];
    double converted = value * factors[index] / baseFactor;
    if (index + 1 < family.size()) {
      double step = factors[index + 1] / baseFactor;
      converted = Math.rint(converted / step) * step;
    }
    return converted;
  }
}
