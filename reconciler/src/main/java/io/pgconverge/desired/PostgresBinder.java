package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import io.pgconverge.desired.YamlNode.Entry;
import io.pgconverge.desired.YamlNode.Mapping;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.ScalarKind;
import io.pgconverge.desired.YamlNode.Sequence;
import io.pgconverge.pg.SettingCatalogue;
import io.pgconverge.pg.SettingCheck;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Binds the {@code postgres} section: binaries, data and config directories, the OS user, initdb
 * arguments, settings, hba lines ({@link HbaBinder}), socket directory and ssl; and afterwards
 * checks what needs other sections: no setting pgconverge owns, and an hba that lets the
 * reconciler in.
 *
 * <p>A setting is checked, in order: its name's shape; not an include directive; one non-null
 * value without control characters; and, unless pgconverge owns it (reported by {@link
 * #checkOwnedSettings}), the value against the settings catalogue of the server version the data
 * directory or binaries say.
 */
final class PostgresBinder {
  private static final Pattern SETTING_NAME = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z0-9_]+)?");
  private static final Path DEFAULT_SOCKET_DIRECTORY = Path.of("/var/run/postgresql");
  private static final String DEFAULT_USER = "postgres";

  private final Binding b;
  private final Scalars v;
  private final HbaBinder hbaBinder;
  private final Map<String, SourceLocation> settingKeys = new LinkedHashMap<>();
  private boolean bound;
  private String user;

  PostgresBinder(Binding b, Scalars v, HbaParser hbaParser) {
    this.b = b;
    this.v = v;
    this.hbaBinder = new HbaBinder(b, hbaParser);
  }

  /** The required {@code postgres} section of {@code doc}, or null when it or a field is wrong. */
  PostgresSpec postgres(Section doc) {
    return b.required(doc, "postgres")
        .flatMap(n -> b.subsection(doc, "postgres", n, DesiredStateKeys.POSTGRES))
        .map(this::bindSection)
        .orElse(null);
  }

  /** postgres.user as bound (its default when not written), or null when it is wrong or unbound. */
  String user() {
    return user;
  }

  private PostgresSpec bindSection(Section s) {
    bound = true;
    int problemsBefore = b.problemCount();
    Optional<YamlNode> binNode = b.optional(s, "bin");
    Optional<Path> bin = binNode.map(n -> v.absolutePath(n, "postgres.bin"));
    Path data = b.required(s, "data").map(n -> v.absolutePath(n, "postgres.data", ValueGrammar::clusterDirectory)).orElse(null);
    Optional<YamlNode> configNode = b.optional(s, "config");
    Path config = configNode.isPresent() ? v.absolutePath(configNode.get(), "postgres.config", ValueGrammar::clusterDirectory) : data;
    Optional<YamlNode> userNode = b.optional(s, "user");
    user = userNode.isPresent() ? v.string(userNode.get(), "postgres.user", ValueGrammar::osUser) : DEFAULT_USER;
    List<String> initdb = b.optional(s, "initdb").map(this::initdbArgs).orElse(List.of());
    Map<String, String> settings =
        b.optional(s, "settings")
            .map(n -> settings(n, SettingCatalogue.forHost(bin, PgVersionFile.read(data))))
            .orElse(Map.of());
    Optional<YamlNode> socketNode = b.optional(s, "socket_directory");
    Path socket =
        socketNode.isPresent()
            ? v.absolutePath(socketNode.get(), "postgres.socket_directory", ValueGrammar::socketDirectory)
            : DEFAULT_SOCKET_DIRECTORY;
    Optional<SslSpec> ssl = b.optional(s, "ssl").flatMap(n -> ssl(s, n));
    List<HbaLineSpec> hba = hbaBinder.hba(s);

    // A field that failed is reported, and an optional one that failed reads as absent here.
    if (b.problemCount() > problemsBefore
        || data == null
        || config == null
        || user == null
        || initdb == null
        || settings == null
        || socket == null
        || hba == null) {
      return null;
    }
    return new PostgresSpec(bin, data, config, user, initdb, settings, hba, socket, ssl);
  }

  private Optional<SslSpec> ssl(Section s, YamlNode node) {
    Optional<Section> section = b.subsection(s, "ssl", node, DesiredStateKeys.SSL);
    if (section.isEmpty()) {
      return Optional.empty();
    }
    Path cert = b.required(section.get(), "cert_file").map(n -> v.absolutePath(n, "postgres.ssl.cert_file")).orElse(null);
    Path key = b.required(section.get(), "key_file").map(n -> v.absolutePath(n, "postgres.ssl.key_file")).orElse(null);
    Path ca = b.required(section.get(), "ca_file").map(n -> v.absolutePath(n, "postgres.ssl.ca_file")).orElse(null);
    return cert != null && key != null && ca != null ? Optional.of(new SslSpec(cert, key, ca)) : Optional.empty();
  }

  private List<String> initdbArgs(YamlNode node) {
    Sequence list = b.sequence(node, "postgres.initdb", false);
    if (list == null) {
      return null;
    }
    List<String> args = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < list.items().size(); i++) {
      String field = "postgres.initdb[" + i + "]";
      YamlNode item = list.items().get(i);
      b.record(field, item.location());
      String previous = i == 0 ? null : (list.items().get(i - 1) instanceof Scalar p ? p.text() : null);
      String arg = v.string(item, field, a -> ValueGrammar.initdbArgument(a, previous));
      if (arg == null) {
        ok = false;
      } else {
        args.add(arg);
      }
    }
    return ok ? args : null;
  }

  private Map<String, String> settings(YamlNode node, SettingCatalogue catalogue) {
    if (!(node instanceof Mapping m)) {
      b.problem(node.location(), "postgres.settings", "must be a mapping of setting names to values, got " + node.describe());
      return null;
    }
    Map<String, String> settings = new LinkedHashMap<>();
    boolean ok = true;
    for (Entry e : m.entries()) {
      String field = "postgres.settings." + e.key();
      settingKeys.put(e.key(), e.keyLocation());
      b.record(field, e.value() instanceof Scalar ? e.value().location() : e.keyLocation());
      if (!SETTING_NAME.matcher(e.key()).matches()) {
        b.problem(
            e.keyLocation(),
            field,
            "not a setting name: use lower-case letters, digits and _ (and one dot for a custom setting such as auto_explain.log_min_duration)");
        ok = false;
        continue;
      }
      if (ValueGrammar.INCLUDE_DIRECTIVES.contains(e.key())) {
        b.problem(e.keyLocation(), field,
            "is a directive that reads another file, not a setting: pgconverge writes all of postgresql.conf; put the settings here");
        ok = false;
        continue;
      }
      if (!(e.value() instanceof Scalar value)) {
        b.problem(e.value().location(), field, "must be a single value, got " + e.value().describe());
        ok = false;
        continue;
      }
      if (value.kind() == ScalarKind.NULL) {
        b.problem(
            value.location(),
            field,
            "has no value; write one (use '' for an empty string), or remove the line to leave the server's default");
        ok = false;
        continue;
      }
      if (v.checked(value, field, value.text(), ValueGrammar::noControlCharacters) == null) {
        ok = false;
        continue;
      }
      Optional<String> wrong = DesiredStateKeys.OWNED_SETTINGS.containsKey(e.key())
          ? Optional.empty()
          : SettingCheck.problem(catalogue, e.key(), value.text());
      if (wrong.isPresent()) {
        b.problem(value.location(), field, wrong.get());
        ok = false;
        continue;
      }
      settings.put(e.key(), value.text());
    }
    return ok ? settings : null;
  }

  /**
   * The checks that need other sections: no setting pgconverge owns (the port named after this
   * host's peer entry at {@code selfIndex}, when known), and an hba that lets the reconciler in.
   * Nothing when the postgres section was not a mapping.
   */
  void checkAcrossSections(Integer selfIndex) {
    if (!bound) {
      return;
    }
    checkOwnedSettings(selfIndex);
    hbaBinder.checkLetsReconcilerIn(user);
  }

  private void checkOwnedSettings(Integer selfIndex) {
    settingKeys.forEach(
        (name, at) -> {
          String source = DesiredStateKeys.OWNED_SETTINGS.get(name);
          if (source == null) {
            return;
          }
          if (name.equals("port") && selfIndex != null) {
            source = "this host's peers[" + selfIndex + "].port";
          }
          b.problem(
              at,
              "postgres.settings." + name,
              "pgconverge sets " + name + " itself, from " + source + "; remove it here");
        });
  }
}
