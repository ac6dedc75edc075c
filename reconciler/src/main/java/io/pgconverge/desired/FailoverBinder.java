package io.pgconverge.desired;

import io.pgconverge.desired.FailoverSpec.Etcd;
import io.pgconverge.desired.FailoverSpec.Mode;
import io.pgconverge.desired.YamlNode.Entry;
import io.pgconverge.desired.YamlNode.Mapping;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.ScalarKind;
import io.pgconverge.desired.YamlNode.Sequence;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds the {@code failover} section and every {@code peers[i].failover_priority} into a {@link
 * FailoverSpec}. Has no side effects; problems go to the list the caller hands in, each at the
 * value the user wrote.
 *
 * <ol>
 *   <li>No {@code failover} section: {@link FailoverSpec#FILE}, with the priorities written.
 *   <li>Each key on its own: {@code mode} file|etcd; {@code ttl} whole seconds of at least 2 s
 *       (etcd's shortest lease); {@code loop_wait}, {@code retry_timeout} at least 1 s; {@code
 *       maximum_lag} a size ({@code 16MB}, units B kB MB GB TB, or a number of bytes); {@code
 *       failsafe} true/false; {@code etcd} its endpoints (http:// or https://host:port, no path,
 *       all of one scheme), namespace ({@code /} and {@code [A-Za-z0-9_.-]} segments), TLS and
 *       authentication files as absolute paths.
 *   <li>What spans keys: {@code loop_wait + 2 × retry_timeout <= ttl} (Patroni's rule: a primary
 *       that misses one loop and two retries still renews in time); mode etcd needs an {@code
 *       etcd} section and at least one peer with a priority above 0; https needs {@code ca_file},
 *       a {@code ca_file} needs https; {@code cert_file} and {@code key_file} go together, and so
 *       do {@code user} and {@code password_file}.
 * </ol>
 */
final class FailoverBinder {
  static final List<String> KEYS =
      List.of("mode", "etcd", "ttl", "loop_wait", "retry_timeout", "maximum_lag", "failsafe");
  static final List<String> ETCD_KEYS =
      List.of("endpoints", "namespace", "ca_file", "cert_file", "key_file", "user", "password_file");
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,15})\\s*(B|kB|MB|GB|TB)?");
  private static final Pattern NAMESPACE = Pattern.compile("(/[A-Za-z0-9_.-]+)+");
  private static final Duration MIN_TTL = Duration.ofSeconds(2);

  private final Map<String, SourceLocation> locations;
  private final List<Problem> problems;
  private final int problemsBefore;

  private FailoverBinder(Map<String, SourceLocation> locations, List<Problem> problems) {
    this.locations = locations;
    this.problems = problems;
    this.problemsBefore = problems.size();
  }

  /**
   * The failover spec of the document {@code top}, recording where each field was written in
   * {@code locations}; null when a problem was added to {@code problems}.
   */
  static FailoverSpec bind(Mapping top, Map<String, SourceLocation> locations, List<Problem> problems) {
    return new FailoverBinder(locations, problems).bind(top);
  }

  private FailoverSpec bind(Mapping top) {
    Map<String, Integer> priorities = priorities(top);
    Optional<Entry> section = top.entry("failover");
    FailoverSpec spec;
    if (section.isEmpty()) {
      spec = new FailoverSpec(Mode.FILE, Optional.empty(), FailoverSpec.DEFAULT_TTL, FailoverSpec.DEFAULT_LOOP_WAIT,
          FailoverSpec.DEFAULT_RETRY_TIMEOUT, FailoverSpec.DEFAULT_MAXIMUM_LAG_BYTES, false, priorities);
    } else {
      spec = section(section.get(), priorities);
    }
    return problems.size() > problemsBefore ? null : spec;
  }

  private FailoverSpec section(Entry entry, Map<String, Integer> priorities) {
    locations.putIfAbsent("failover", entry.keyLocation());
    Mapping m = mapping(entry.value(), "failover", KEYS);
    if (m == null) {
      return null;
    }
    Mode mode = value(m, "failover", "mode", this::mode).orElse(Mode.FILE);
    Optional<Etcd> etcd = Optional.empty();
    Optional<Entry> etcdEntry = m.entry("etcd");
    if (etcdEntry.isPresent()) {
      locations.putIfAbsent("failover.etcd", etcdEntry.get().keyLocation());
      etcd = Optional.ofNullable(etcd(etcdEntry.get().value()));
    } else if (mode == Mode.ETCD) {
      problem(m.location(), "failover.etcd", "required under mode: etcd (its endpoints at least)");
    }
    Duration ttl = value(m, "failover", "ttl", n -> seconds(n, "failover.ttl")).orElse(FailoverSpec.DEFAULT_TTL);
    Duration loopWait = value(m, "failover", "loop_wait", n -> duration(n, "failover.loop_wait", Duration.ofSeconds(1)))
        .orElse(FailoverSpec.DEFAULT_LOOP_WAIT);
    Duration retry = value(m, "failover", "retry_timeout", n -> duration(n, "failover.retry_timeout", Duration.ofSeconds(1)))
        .orElse(FailoverSpec.DEFAULT_RETRY_TIMEOUT);
    long maximumLag = value(m, "failover", "maximum_lag", n -> size(n, "failover.maximum_lag"))
        .orElse(FailoverSpec.DEFAULT_MAXIMUM_LAG_BYTES);
    boolean failsafe = value(m, "failover", "failsafe", n -> bool(n, "failover.failsafe")).orElse(false);
    if (loopWait.plus(retry.multipliedBy(2)).compareTo(ttl) > 0) {
      String field = m.entry("ttl").isPresent() ? "failover.ttl" : m.entry("loop_wait").isPresent() ? "failover.loop_wait" : "failover.retry_timeout";
      problem(locations.get(field), field, "loop_wait + 2 × retry_timeout must not exceed ttl, so a primary that misses a loop and two retries still renews its lease in time: "
          + Durations.format(loopWait) + " + 2 × " + Durations.format(retry) + " = " + Durations.format(loopWait.plus(retry.multipliedBy(2)))
          + " > ttl " + Durations.format(ttl));
    }
    if (mode == Mode.ETCD && !priorities.isEmpty() && priorities.size() == peerCount && priorities.values().stream().allMatch(p -> p == 0)) {
      problem(locations.get("failover.mode"), "failover.mode",
          "every peer has failover_priority 0, so no peer could ever be promoted; give the candidates a priority of 1 or more");
    }
    return new FailoverSpec(mode, etcd, ttl, loopWait, retry, maximumLag, failsafe, priorities);
  }

  private int peerCount;

  /** Each peer's failover_priority, by peer name (a peer with a wrong name is left out: that is reported elsewhere). */
  private Map<String, Integer> priorities(Mapping top) {
    Map<String, Integer> byName = new LinkedHashMap<>();
    if (!(top.entry("peers").map(Entry::value).orElse(null) instanceof Sequence peers)) {
      return byName;
    }
    for (int i = 0; i < peers.items().size(); i++) {
      if (!(peers.items().get(i) instanceof Mapping peer)) {
        continue;
      }
      peerCount++;
      String field = "peers[" + i + "].failover_priority";
      Optional<Integer> priority = value(peer, "peers[" + i + "]", "failover_priority", n -> priority(n, field));
      String name = peer.entry("name").map(Entry::value).orElse(null) instanceof Scalar s ? s.text() : null;
      if (name != null) {
        byName.put(name, priority.orElse(FailoverSpec.DEFAULT_PRIORITY));
      }
    }
    return byName;
  }

  private Etcd etcd(YamlNode node) {
    Mapping m = mapping(node, "failover.etcd", ETCD_KEYS);
    if (m == null) {
      return null;
    }
    String p = "failover.etcd";
    Optional<List<URI>> endpoints = value(m, p, "endpoints", this::endpoints);
    if (m.entry("endpoints").isEmpty()) {
      problem(m.location(), p + ".endpoints", "required key \"endpoints\" is missing");
    }
    String namespace = value(m, p, "namespace", n -> namespace(n, p + ".namespace")).orElse(FailoverSpec.DEFAULT_NAMESPACE);
    Optional<Path> ca = value(m, p, "ca_file", n -> path(n, p + ".ca_file"));
    Optional<Path> cert = value(m, p, "cert_file", n -> path(n, p + ".cert_file"));
    Optional<Path> key = value(m, p, "key_file", n -> path(n, p + ".key_file"));
    Optional<String> user = value(m, p, "user", n -> string(n, p + ".user"));
    Optional<Path> password = value(m, p, "password_file", n -> path(n, p + ".password_file"));
    together(m, p, "cert_file", "key_file");
    together(m, p, "user", "password_file");
    if (endpoints.isPresent() && !endpoints.get().isEmpty()) {
      boolean https = endpoints.get().get(0).getScheme().equals("https");
      if (https && m.entry("ca_file").isEmpty()) {
        problem(locations.get(p + ".endpoints"), p + ".endpoints", "https endpoints need failover.etcd.ca_file to verify the members' certificates");
      }
      if (!https && m.entry("ca_file").isPresent()) {
        problem(locations.get(p + ".ca_file"), p + ".ca_file", "is only used with https endpoints; the endpoints are http");
      }
      if (!https && m.entry("cert_file").isPresent()) {
        problem(locations.get(p + ".cert_file"), p + ".cert_file", "is only used with https endpoints; the endpoints are http");
      }
    }
    return endpoints.map(e -> new Etcd(e, namespace, ca, cert, key, user, password)).orElse(null);
  }

  private void together(Mapping m, String p, String a, String b) {
    boolean hasA = m.entry(a).isPresent();
    if (hasA != m.entry(b).isPresent()) {
      String given = hasA ? a : b;
      String missing = hasA ? b : a;
      problem(locations.get(p + "." + given), p + "." + given, "needs failover.etcd." + missing + " too");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  private Mode mode(YamlNode node) {
    if (node instanceof Scalar s && s.kind() == ScalarKind.STRING) {
      for (Mode mode : Mode.values()) {
        if (mode.yamlName().equals(s.text())) {
          return mode;
        }
      }
    }
    return fail(node, "failover.mode", "must be file or etcd, got " + node.describe());
  }

  private List<URI> endpoints(YamlNode node) {
    String field = "failover.etcd.endpoints";
    if (!(node instanceof Sequence list) || list.items().isEmpty()) {
      return fail(node, field, "must be a list of at least one URL such as https://10.0.0.21:2379, got "
          + (node instanceof Sequence ? "an empty list" : node.describe()));
    }
    List<URI> uris = new ArrayList<>();
    String scheme = null;
    for (int i = 0; i < list.items().size(); i++) {
      YamlNode item = list.items().get(i);
      URI uri = endpoint(item, field + "[" + i + "]");
      if (uri == null) {
        return null;
      }
      if (scheme != null && !scheme.equals(uri.getScheme())) {
        return fail(item, field + "[" + i + "]", "all endpoints must use the same scheme, got " + scheme + " and " + uri.getScheme());
      }
      scheme = uri.getScheme();
      if (uris.contains(uri)) {
        return fail(item, field + "[" + i + "]", ValueGrammar.show(uri.toString()) + " is listed twice");
      }
      uris.add(uri);
    }
    return uris;
  }

  private URI endpoint(YamlNode node, String field) {
    String text = string(node, field);
    if (text == null) {
      return null;
    }
    String expected = "must be http://HOST:PORT or https://HOST:PORT (no path, user or query), got " + ValueGrammar.show(text);
    try {
      URI uri = new URI(text);
      boolean shape = uri.getScheme() != null && (uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          && uri.getHost() != null && uri.getPort() > 0 && uri.getPort() <= 65535 && uri.getRawUserInfo() == null
          && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null && uri.getRawFragment() == null;
      if (!shape) {
        return fail(node, field, expected);
      }
      String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
      Optional<String> wrong = ValueGrammar.peerHost(host);
      return wrong.isPresent() ? fail(node, field, wrong.get()) : uri;
    } catch (URISyntaxException e) {
      return fail(node, field, expected);
    }
  }

  private String namespace(YamlNode node, String field) {
    String text = string(node, field);
    if (text != null && (text.length() > 255 || !NAMESPACE.matcher(text).matches())) {
      return fail(node, field, "must be a key prefix such as /pgconverge: '/' then [A-Za-z0-9_.-] segments, no trailing '/', got " + ValueGrammar.show(text));
    }
    return text;
  }

  private Duration seconds(YamlNode node, String field) {
    Duration d = duration(node, field, MIN_TTL);
    if (d != null && d.toMillis() % 1000 != 0) {
      return fail(node, field, "must be whole seconds (an etcd lease is granted in seconds), got " + ((Scalar) node).text());
    }
    return d;
  }

  private Duration duration(YamlNode node, String field, Duration min) {
    Optional<Duration> d = node instanceof Scalar s && s.kind() != ScalarKind.NULL ? Durations.parse(s.text()) : Optional.empty();
    if (d.isEmpty()) {
      return fail(node, field, "must be a duration such as 10s or 1m, got " + node.describe());
    }
    if (d.get().compareTo(min) < 0) {
      return fail(node, field, "must be at least " + Durations.format(min) + ", got " + ((Scalar) node).text());
    }
    return d.get();
  }

  private Long size(YamlNode node, String field) {
    Matcher m = node instanceof Scalar s && s.kind() != ScalarKind.NULL ? SIZE.matcher(s.text().trim()) : null;
    if (m == null || !m.matches()) {
      return fail(node, field, "must be a size such as 16MB (units B, kB, MB, GB, TB; a bare number is bytes), got " + node.describe());
    }
    int shift = switch (m.group(2) == null ? "B" : m.group(2)) {
      case "kB" -> 10;
      case "MB" -> 20;
      case "GB" -> 30;
      case "TB" -> 40;
      default -> 0;
    };
    long n = Long.parseLong(m.group(1));
    if (n > (Long.MAX_VALUE >> shift)) {
      return fail(node, field, "is too large, got " + node.describe());
    }
    return n << shift;
  }

  private Integer priority(YamlNode node, String field) {
    if (node instanceof Scalar s && s.kind() == ScalarKind.INTEGER && s.text().matches("[0-9]{1,9}")) {
      return Integer.parseInt(s.text());
    }
    return fail(node, field, "must be a whole number of 0 (never promoted) or more, got " + node.describe());
  }

  private Boolean bool(YamlNode node, String field) {
    if (node instanceof Scalar s && s.kind() == ScalarKind.BOOLEAN) {
      String word = s.text().toLowerCase(Locale.ROOT);
      if (word.equals("true") || word.equals("false")) {
        return word.equals("true");
      }
    }
    return fail(node, field, "must be true or false, got " + node.describe());
  }

  private Path path(YamlNode node, String field) {
    String text = string(node, field);
    Optional<String> wrong = text == null ? Optional.empty() : ValueGrammar.path(text);
    return text == null ? null : wrong.isPresent() ? fail(node, field, wrong.get()) : Path.of(text);
  }

  private String string(YamlNode node, String field) {
    if (!(node instanceof Scalar s) || s.kind() == ScalarKind.NULL || s.text().isBlank()) {
      return fail(node, field, "must be a non-empty string, got " + node.describe());
    }
    Optional<String> wrong = ValueGrammar.noControlCharacters(s.text());
    return wrong.isPresent() ? fail(node, field, wrong.get()) : s.text();
  }

  // ---------------------------------------------------------------------------------------------
  // Keys

  private Mapping mapping(YamlNode node, String field, List<String> known) {
    if (!(node instanceof Mapping m)) {
      return fail(node, field, "must be a mapping, got " + node.describe());
    }
    for (Entry e : m.entries()) {
      if (!known.contains(e.key())) {
        problem(e.keyLocation(), field + "." + e.key(), "unknown key " + ValueGrammar.show(e.key())
            + DesiredStateKeys.closest(e.key(), known).map(k -> "; did you mean \"" + k + "\"?").orElse(""));
      }
    }
    return m;
  }

  /** The bound value of {@code key} in {@code m} (at {@code path}), recording where it was written; empty when absent or wrong. */
  private <T> Optional<T> value(Mapping m, String path, String key, Function<YamlNode, T> binder) {
    Optional<Entry> entry = m.entry(key);
    entry.ifPresent(e -> locations.putIfAbsent(path + "." + key, e.value() instanceof Scalar ? e.value().location() : e.keyLocation()));
    return entry.map(Entry::value).map(binder);
  }

  private <T> T fail(YamlNode node, String field, String message) {
    problem(node.location(), field, message);
    return null;
  }

  private void problem(SourceLocation location, String field, String message) {
    problems.add(new Problem(location, field, message));
  }
}
