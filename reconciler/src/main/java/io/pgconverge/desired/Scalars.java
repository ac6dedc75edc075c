package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.ScalarKind;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads typed scalars (strings, booleans, numbers, paths, durations, cron expressions, one of an
 * enum's words) from the tree. Each reader returns the value, or reports a problem at the node
 * through its {@link Binding} and returns null; that is its only side effect.
 */
final class Scalars {
  private static final Pattern DECIMAL = Pattern.compile("[-+]?[0-9]+");
  private static final Set<String> TRUE_WORDS = Set.of("true", "yes", "on", "y");
  private static final Set<String> FALSE_WORDS = Set.of("false", "no", "off", "n");

  private final Binding b;

  Scalars(Binding b) {
    this.b = b;
  }

  String string(YamlNode node, String field) {
    if (!(node instanceof Scalar s) || s.kind() == ScalarKind.NULL) {
      b.problem(node.location(), field, "must be a string, got " + node.describe());
      return null;
    }
    if (s.text().isBlank()) {
      b.problem(node.location(), field, "must not be empty");
      return null;
    }
    return checked(node, field, s.text(), ValueGrammar::noControlCharacters);
  }

  /** A string that also passes {@code grammar}. */
  String string(YamlNode node, String field, Function<String, Optional<String>> grammar) {
    return checked(node, field, string(node, field), grammar);
  }

  /** {@code value} when it passes {@code grammar}; otherwise a problem at {@code node}, and null. */
  String checked(YamlNode node, String field, String value, Function<String, Optional<String>> grammar) {
    if (value == null) {
      return null;
    }
    Optional<String> wrong = grammar.apply(value);
    wrong.ifPresent(message -> b.problem(node.location(), field, message));
    return wrong.isPresent() ? null : value;
  }

  /**
   * The constant of {@code type} whose YAML word ({@code yamlName}) {@code node} is; otherwise a
   * problem "must be a, b or c, got ..." listing the words in declaration order, and null.
   */
  <E extends Enum<E>> E oneOf(YamlNode node, String field, Class<E> type, Function<E, String> yamlName) {
    E[] values = type.getEnumConstants();
    if (node instanceof Scalar s && s.kind() == ScalarKind.STRING) {
      for (E value : values) {
        if (yamlName.apply(value).equals(s.text())) {
          return value;
        }
      }
    }
    List<String> words = Arrays.stream(values).map(yamlName).toList();
    String expected = words.size() == 1
        ? words.get(0)
        : String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
    b.problem(node.location(), field, "must be " + expected + ", got " + node.describe());
    return null;
  }

  Optional<Boolean> optionalBoolean(Section s, String key) {
    return b.optional(s, key).map(n -> bool(n, s.field(key)));
  }

  Boolean bool(YamlNode node, String field) {
    if (node instanceof Scalar s && s.kind() == ScalarKind.BOOLEAN) {
      String word = s.text().toLowerCase(Locale.ROOT);
      if (TRUE_WORDS.contains(word)) {
        return true;
      }
      if (FALSE_WORDS.contains(word)) {
        return false;
      }
    }
    b.problem(node.location(), field, "must be true or false, got " + node.describe());
    return null;
  }

  Integer portNumber(YamlNode node, String field) {
    Long n = wholeNumber(node, field);
    if (n == null) {
      return null;
    }
    if (n < 1 || n > 65535) {
      b.problem(node.location(), field, "must be 1-65535, got " + ((Scalar) node).text());
      return null;
    }
    return n.intValue();
  }

  /** A decimal whole number; a value too large for a long is reported as out of any range. */
  Long wholeNumber(YamlNode node, String field) {
    if (!(node instanceof Scalar s) || s.kind() != ScalarKind.INTEGER || !isDecimal(s.text())) {
      b.problem(node.location(), field, "must be a number, got " + node.describe());
      return null;
    }
    try {
      return Long.parseLong(s.text().replaceFirst("^\\+", ""));
    } catch (NumberFormatException e) {
      return s.text().startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  static boolean isDecimal(String text) {
    return DECIMAL.matcher(text).matches();
  }

  Path absolutePath(YamlNode node, String field) {
    return absolutePath(node, field, ValueGrammar::path);
  }

  Path absolutePath(YamlNode node, String field, Function<String, Optional<String>> grammar) {
    String text = string(node, field, grammar);
    if (text == null) {
      return null;
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      b.problem(node.location(), field, "is not a usable path: " + e.getReason());
      return null;
    }
  }

  Duration duration(YamlNode node, String field, Duration min) {
    if (node instanceof Scalar s && s.kind() != ScalarKind.NULL) {
      Optional<Duration> d = Durations.parse(s.text());
      if (d.isPresent()) {
        if (d.get().compareTo(min) < 0) {
          b.problem(node.location(), field, "must be at least " + Durations.format(min) + ", got " + s.text());
          return null;
        }
        return d.get();
      }
    }
    b.problem(node.location(), field, "must be a duration such as 30s, 5m or 1h, got " + node.describe());
    return null;
  }

  String cron(YamlNode node, String field) {
    String text = string(node, field);
    if (text == null) {
      return null;
    }
    try {
      org.quartz.CronExpression.validateExpression(text);
    } catch (java.text.ParseException e) {
      b.problem(node.location(), field,
          "is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week, e.g. \"0 */5 * * * ?\"): "
              + e.getMessage() + ", got \"" + text + "\"");
      return null;
    }
    return text;
  }
}
