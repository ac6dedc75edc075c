package io.pgconverge.desired;

import io.pgconverge.desired.YamlNode.Entry;
import io.pgconverge.desired.YamlNode.Mapping;
import io.pgconverge.desired.YamlNode.Scalar;
import io.pgconverge.desired.YamlNode.ScalarKind;
import io.pgconverge.desired.YamlNode.Sequence;
import io.pgconverge.pg.HbaLine;
import io.pgconverge.pg.HbaSyntaxException;
import io.pgconverge.pg.SettingCatalogue;
import io.pgconverge.pg.SettingCheck;
import java.nio.file.InvalidPathException;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Validates a {@link YamlNode} tree against the version-1 desired-state format and binds it into
 * a {@link DesiredState}. Has no side effects.
 *
 * <p>The algorithm:
 *
 * <ol>
 *   <li>Bind each section on its own (version, cluster, self, peers, postgres, roles, replication,
 *       policy, schedule): check its keys, their types and ranges, and record where every field was
 *       written. A field that fails is left out and binding goes on, so one run reports every
 *       problem, not only the first.
 *   <li>Check what spans sections: exactly one primary; {@code self} names a peer; settings
 *       pgconverge owns are not in {@code postgres.settings}; a replica needs a {@code
 *       replication} section whose user is a listed login+replication role; and the reconciler
 *       cannot lock itself out (a local hba line that lets {@code postgres.user} in by peer or
 *       trust, and that role is not stripped of login or superuser).
 *   <li>No problem: a {@link LoadResult.Valid}. Otherwise a {@link LoadResult.Invalid} with the
 *       problems in file order.
 * </ol>
 */
final class DesiredStateBinder {
  private static final Pattern PEER_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern SETTING_NAME = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z0-9_]+)?");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?[0-9]+");
  private static final Set<String> TRUE_WORDS = Set.of("true", "yes", "on", "y");
  private static final Set<String> FALSE_WORDS = Set.of("false", "no", "off", "n");
  private static final Path DEFAULT_SOCKET_DIRECTORY = Path.of("/var/run/postgresql");
  private static final String DEFAULT_USER = "postgres";

  private final Path file;
  private final String defaultSelf;
  private final HbaParser hbaParser;
  private final List<Problem> problems = new ArrayList<>();
  private final Map<String, SourceLocation> locations = new LinkedHashMap<>();

  /** A mapping being bound: its field path, and where to point when one of its keys is missing. */
  /**
   * {@code name} when no earlier list item (recorded in {@code seen}) has it; otherwise a problem
   * at this item's {@code name} with {@code message(name, first index)}, and null.
   */
  private String unique(String name, int index, Map<String, Integer> seen, Section s,
      java.util.function.BiFunction<String, Integer, String> message) {
    if (name == null) {
      return null;
    }
    Integer first = seen.putIfAbsent(name, index);
    if (first == null) {
      return name;
    }
    problem(locations.get(s.field("name")), s.field("name"), message.apply(name, first));
    return null;
  }

  private record Section(Mapping mapping, String path, SourceLocation where) {
    String field(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }
  }

  /** What was learnt of one peer, even when some of its fields are wrong. */
  private record PeerFacts(int index, String name, PeerRole role) {}

  /** What was learnt of the postgres section, for the checks that span sections. */
  private record PostgresFacts(
      Map<String, SourceLocation> settingKeys,
      String user,
      List<HbaLine> hbaLines,
      boolean everyHbaLineParsed,
      SourceLocation hbaLocation) {}

  private DesiredStateBinder(Path file, String defaultSelf, HbaParser hbaParser) {
    this.file = file;
    this.defaultSelf = defaultSelf;
    this.hbaParser = hbaParser;
  }

  /**
   * Binds {@code root}, read from {@code file}; {@code earlier} holds problems already found while
   * reading the YAML (duplicate keys), which make the result invalid too.
   */
  static LoadResult bind(
      YamlNode root, Path file, String defaultSelf, HbaParser hbaParser, List<Problem> earlier) {
    DesiredStateBinder binder = new DesiredStateBinder(file, defaultSelf, hbaParser);
    binder.problems.addAll(earlier);
    return binder.bind(root);
  }

  private LoadResult bind(YamlNode root) {
    SourceLocation start = new SourceLocation(file, 1, 1);
    if (!(root instanceof Mapping top)) {
      problem(
          root.location(),
          "",
          "the file must be a mapping with the keys version, cluster, peers and postgres, got "
              + root.describe());
      return result(null);
    }
    Section doc = new Section(top, "", start);
    checkKeys(doc, DesiredStateKeys.TOP);

    Integer version = version(doc);
    String cluster = required(doc, "cluster").map(n -> clusterName(n, "cluster")).orElse(null);
    Optional<YamlNode> selfNode = optional(doc, "self");
    String self = selfNode.map(n -> peerName(n, "self")).orElse(selfNode.isEmpty() ? defaultSelf : null);

    List<PeerFacts> peerFacts = new ArrayList<>();
    List<Peer> peers = peers(doc, peerFacts);
    Integer selfIndex = checkSelf(doc, selfNode.isPresent(), self, peerFacts);
    checkOnePrimary(doc, peerFacts);

    PostgresFacts[] pgFacts = new PostgresFacts[1];
    PostgresSpec postgres =
        required(doc, "postgres")
            .flatMap(n -> section(n, "postgres", doc.mapping().entry("postgres").get().keyLocation(), DesiredStateKeys.POSTGRES))
            .map(s -> postgres(s, pgFacts))
            .orElse(null);

    Map<String, Integer> roleIndexByName = new HashMap<>();
    List<RoleSpec> roles = roles(doc, roleIndexByName);
    Optional<ReplicationSpec> replication = replication(doc, peerFacts);
    Policy policy = reclone(doc, policy(doc));
    Schedule schedule = schedule(doc);

    if (pgFacts[0] != null) {
      checkOwnedSettings(pgFacts[0], selfIndex);
      checkHbaLetsReconcilerIn(pgFacts[0]);
    }
    String user = pgFacts[0] == null ? null : pgFacts[0].user();
    checkRolesKeepReconcilerIn(roles, user);
    replication.ifPresent(r -> checkReplicationRole(r, roles, roleIndexByName));

    if (!problems.isEmpty()
        || version == null
        || cluster == null
        || self == null
        || peers == null
        || postgres == null
        || roles == null
        || policy == null
        || schedule == null) {
      if (problems.isEmpty()) {
        throw new IllegalStateException("a field failed to bind without a problem: " + file);
      }
      return result(null);
    }
    return result(
        new DesiredState(
            file,
            version,
            cluster,
            self,
            peers,
            postgres,
            roles,
            replication,
            policy,
            new Locations(locations),
            schedule));
  }

  private LoadResult result(DesiredState state) {
    if (problems.isEmpty() && state != null) {
      return new LoadResult.Valid(state);
    }
    List<Problem> sorted = new ArrayList<>(problems);
    sorted.sort(
        Comparator.comparingInt((Problem p) -> p.location().line())
            .thenComparingInt(p -> p.location().column()));
    return new LoadResult.Invalid(file, sorted);
  }

  // ---------------------------------------------------------------------------------------------
  // Sections

  private Integer version(Section doc) {
    return required(doc, "version")
        .map(
            n -> {
              if (n instanceof Scalar s && s.kind() == ScalarKind.INTEGER && isDecimal(s.text())) {
                if (s.text().replaceFirst("^\\+", "").equals("1")) {
                  return 1;
                }
                problem(
                    s.location(),
                    "version",
                    "unsupported version " + s.text() + "; this pgconverge reads version 1");
                return null;
              }
              problem(n.location(), "version", "must be the number 1, got " + n.describe());
              return null;
            })
        .orElse(null);
  }

  private List<Peer> peers(Section doc, List<PeerFacts> facts) {
    Optional<YamlNode> node = required(doc, "peers");
    if (node.isEmpty()) {
      return null;
    }
    Sequence list = sequence(node.get(), "peers", true);
    if (list == null) {
      return null;
    }
    List<Peer> peers = new ArrayList<>();
    Map<String, Integer> indexByName = new HashMap<>();
    Map<String, Integer> addressSeen = new HashMap<>();
    Map<String, Integer> slotSeen = new HashMap<>();
    boolean allBound = true;
    for (int i = 0; i < list.items().size(); i++) {
      YamlNode item = list.items().get(i);
      String path = "peers[" + i + "]";
      record(path, item.location());
      Optional<Section> section = section(item, path, item.location(), DesiredStateKeys.PEER);
      if (section.isEmpty()) {
        allBound = false;
        continue;
      }
      Section s = section.get();
      String name = required(s, "name").map(n -> peerName(n, s.field("name"))).orElse(null);
      name = unique(name, i, indexByName, s,
          (dup, first) -> "\"" + dup + "\" is already the name of peers[" + first + "]; peer names must be unique");
      String host = required(s, "host").map(n -> checked(n, s.field("host"), string(n, s.field("host")), ValueGrammar::peerHost)).orElse(null);
      Optional<YamlNode> portNode = optional(s, "port");
      Integer port = portNode.isEmpty() ? Integer.valueOf(5432) : portNumber(portNode.get(), s.field("port"));
      PeerRole role = required(s, "role").map(n -> peerRole(n, s.field("role"))).orElse(null);
      host = uniqueAddress(host, port, i, addressSeen, s);
      slotNameUnique(name, i, slotSeen, s);
      facts.add(new PeerFacts(i, name, role));
      if (name == null || host == null || port == null || role == null) {
        allBound = false;
        continue;
      }
      peers.add(new Peer(name, host, port, role));
    }
    return allBound ? peers : null;
  }

  /** {@code host} unless an earlier peer has the same host and port (reported at this host). */
  private String uniqueAddress(String host, Integer port, int index, Map<String, Integer> seen, Section s) {
    if (host == null || port == null) {
      return host;
    }
    Integer first = seen.putIfAbsent(host.toLowerCase(Locale.ROOT) + " " + port, index);
    if (first == null) {
      return host;
    }
    problem(locations.get(s.field("host")), s.field("host"),
        "peers[" + first + "] already has host " + ValueGrammar.show(host) + " and port " + port + "; each peer needs its own address");
    return null;
  }

  /** Two peers whose replication slots (pgc_ + the name, lower-cased, [a-z0-9_]) would be the same slot. */
  private void slotNameUnique(String name, int index, Map<String, Integer> seen, Section s) {
    if (name == null) {
      return;
    }
    String slot = io.pgconverge.pg.ReplicationSlots.forPeer(name);
    Integer first = seen.putIfAbsent(slot, index);
    if (first != null) {
      problem(locations.get(s.field("name")), s.field("name"),
          "its replication slot " + slot + " would be the same as that of peers[" + first + "]; give peers names that differ in more than case and punctuation");
    }
  }

  private PostgresSpec postgres(Section s, PostgresFacts[] facts) {
    int problemsBefore = problems.size();
    Optional<YamlNode> binNode = optional(s, "bin");
    Optional<Path> bin = binNode.map(n -> absolutePath(n, "postgres.bin"));
    Path data = required(s, "data").map(n -> absolutePath(n, "postgres.data", ValueGrammar::clusterDirectory)).orElse(null);
    Optional<YamlNode> configNode = optional(s, "config");
    Path config = configNode.isPresent() ? absolutePath(configNode.get(), "postgres.config", ValueGrammar::clusterDirectory) : data;
    Optional<YamlNode> userNode = optional(s, "user");
    String user = userNode.isPresent() ? checked(userNode.get(), "postgres.user", string(userNode.get(), "postgres.user"), ValueGrammar::osUser) : DEFAULT_USER;
    List<String> initdb = optional(s, "initdb").map(this::initdbArgs).orElse(List.of());
    Map<String, SourceLocation> settingKeys = new LinkedHashMap<>();
    Map<String, String> settings =
        optional(s, "settings")
            .map(n -> settings(n, settingKeys, SettingCatalogue.forHost(bin, PgVersionFile.read(data))))
            .orElse(Map.of());
    Optional<YamlNode> socketNode = optional(s, "socket_directory");
    Path socket =
        socketNode.isPresent()
            ? absolutePath(socketNode.get(), "postgres.socket_directory", ValueGrammar::socketDirectory)
            : DEFAULT_SOCKET_DIRECTORY;

    Optional<SslSpec> ssl = Optional.empty();
    Optional<YamlNode> sslNode = optional(s, "ssl");
    if (sslNode.isPresent()) {
      SourceLocation sslKey = s.mapping().entry("ssl").get().keyLocation();
      Optional<Section> sslSection = section(sslNode.get(), "postgres.ssl", sslKey, DesiredStateKeys.SSL);
      if (sslSection.isPresent()) {
        Path cert = required(sslSection.get(), "cert_file").map(n -> absolutePath(n, "postgres.ssl.cert_file")).orElse(null);
        Path key = required(sslSection.get(), "key_file").map(n -> absolutePath(n, "postgres.ssl.key_file")).orElse(null);
        Path ca = required(sslSection.get(), "ca_file").map(n -> absolutePath(n, "postgres.ssl.ca_file")).orElse(null);
        if (cert != null && key != null && ca != null) {
          ssl = Optional.of(new SslSpec(cert, key, ca));
        }
      }
    }

    List<HbaLineSpec> hba = null;
    List<HbaLine> hbaLines = new ArrayList<>();
    boolean everyHbaLineParsed = false;
    SourceLocation hbaLocation = s.mapping().entry("hba").map(Entry::keyLocation).orElse(s.where());
    Optional<YamlNode> hbaNode = required(s, "hba");
    Sequence hbaList = hbaNode.map(n -> sequence(n, "postgres.hba", true)).orElse(null);
    if (hbaList != null) {
      hba = new ArrayList<>();
      everyHbaLineParsed = true;
      for (int i = 0; i < hbaList.items().size(); i++) {
        YamlNode item = hbaList.items().get(i);
        String field = "postgres.hba[" + i + "]";
        record(field, item.location());
        if (!(item instanceof Scalar line) || line.kind() == ScalarKind.NULL || line.text().isBlank()) {
          problem(item.location(), field, "must be a pg_hba.conf line, got " + item.describe());
          hba = null;
          everyHbaLineParsed = false;
          continue;
        }
        Optional<String> control = ValueGrammar.noControlCharacters(line.text());
        if (control.isPresent()) {
          problem(item.location(), field, control.get() + " (one list item is one pg_hba.conf line)");
          hba = null;
          everyHbaLineParsed = false;
          continue;
        }
        try {
          HbaLine parsed = hbaParser.parse(line.text());
          hbaLines.add(parsed);
          if (hba != null) {
            hba.add(new HbaLineSpec(i, line.text(), parsed));
          }
        } catch (HbaSyntaxException e) {
          problem(hbaErrorLocation(line, e), field, e.getMessage());
          everyHbaLineParsed = false;
          hba = null;
        }
      }
    }
    facts[0] = new PostgresFacts(settingKeys, user, hbaLines, everyHbaLineParsed, hbaLocation);

    // A field that failed is reported, and an optional one that failed reads as absent here.
    if (problems.size() > problemsBefore
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

  /**
   * Where an hba syntax error points: the parser's column counts from the line's first
   * character, which sits one column after the quote of a quoted scalar. A block scalar ({@code
   * |}, {@code >}) starts on the next line; its own location is the best we have.
   */
  private SourceLocation hbaErrorLocation(Scalar line, HbaSyntaxException e) {
    SourceLocation at = line.location();
    if (e.column() < 1 || line.text().contains("\n")) {
      return at;
    }
    int column = at.column() + e.column() - 1 + (line.quoted() ? 1 : 0);
    return new SourceLocation(file, at.line(), column);
  }

  private List<String> initdbArgs(YamlNode node) {
    Sequence list = sequence(node, "postgres.initdb", false);
    if (list == null) {
      return null;
    }
    List<String> args = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < list.items().size(); i++) {
      String field = "postgres.initdb[" + i + "]";
      YamlNode item = list.items().get(i);
      record(field, item.location());
      String previous = i == 0 ? null : (list.items().get(i - 1) instanceof Scalar p ? p.text() : null);
      String arg = checked(item, field, string(item, field), a -> ValueGrammar.initdbArgument(a, previous));
      if (arg == null) {
        ok = false;
      } else {
        args.add(arg);
      }
    }
    return ok ? args : null;
  }

  private Map<String, String> settings(
      YamlNode node, Map<String, SourceLocation> keys, SettingCatalogue catalogue) {
    if (!(node instanceof Mapping m)) {
      problem(node.location(), "postgres.settings", "must be a mapping of setting names to values, got " + node.describe());
      return null;
    }
    Map<String, String> settings = new LinkedHashMap<>();
    boolean ok = true;
    for (Entry e : m.entries()) {
      String field = "postgres.settings." + e.key();
      keys.put(e.key(), e.keyLocation());
      record(field, e.value() instanceof Scalar ? e.value().location() : e.keyLocation());
      if (!SETTING_NAME.matcher(e.key()).matches()) {
        problem(
            e.keyLocation(),
            field,
            "not a setting name: use lower-case letters, digits and _ (and one dot for a custom setting such as auto_explain.log_min_duration)");
        ok = false;
        continue;
      }
      if (ValueGrammar.INCLUDE_DIRECTIVES.contains(e.key())) {
        problem(e.keyLocation(), field,
            "is a directive that reads another file, not a setting: pgconverge writes all of postgresql.conf; put the settings here");
        ok = false;
        continue;
      }
      if (!(e.value() instanceof Scalar value)) {
        problem(e.value().location(), field, "must be a single value, got " + e.value().describe());
        ok = false;
        continue;
      }
      if (value.kind() == ScalarKind.NULL) {
        problem(
            value.location(),
            field,
            "has no value; write one (use '' for an empty string), or remove the line to leave the server's default");
        ok = false;
        continue;
      }
      if (checked(value, field, value.text(), ValueGrammar::noControlCharacters) == null) {
        ok = false;
        continue;
      }
      Optional<String> wrong = DesiredStateKeys.OWNED_SETTINGS.containsKey(e.key())
          ? Optional.empty()
          : SettingCheck.problem(catalogue, e.key(), value.text());
      if (wrong.isPresent()) {
        problem(value.location(), field, wrong.get());
        ok = false;
        continue;
      }
      settings.put(e.key(), value.text());
    }
    return ok ? settings : null;
  }

  private List<RoleSpec> roles(Section doc, Map<String, Integer> indexByName) {
    Optional<YamlNode> node = optional(doc, "roles");
    if (node.isEmpty()) {
      return List.of();
    }
    Sequence list = sequence(node.get(), "roles", false);
    if (list == null) {
      return null;
    }
    List<RoleSpec> roles = new ArrayList<>();
    boolean allBound = true;
    for (int i = 0; i < list.items().size(); i++) {
      YamlNode item = list.items().get(i);
      String path = "roles[" + i + "]";
      record(path, item.location());
      Optional<Section> section = section(item, path, item.location(), DesiredStateKeys.ROLE);
      if (section.isEmpty()) {
        allBound = false;
        continue;
      }
      Section s = section.get();
      int problemsBefore = problems.size();
      String name = required(s, "name").map(n -> checked(n, s.field("name"), string(n, s.field("name")), ValueGrammar::roleName)).orElse(null);
      name = unique(name, i, indexByName, s,
          (dup, first) -> "role \"" + dup + "\" is already listed as roles[" + first + "]; list each role once");
      Optional<Boolean> login = optionalBoolean(s, "login");
      Optional<Boolean> replication = optionalBoolean(s, "replication");
      Optional<Boolean> superuser = optionalBoolean(s, "superuser");
      Optional<Boolean> createdb = optionalBoolean(s, "createdb");
      Optional<Boolean> createrole = optionalBoolean(s, "createrole");
      Optional<Integer> limit =
          optional(s, "connection_limit").map(n -> connectionLimit(n, s.field("connection_limit")));
      Optional<Path> passwordFile =
          optional(s, "password_file").map(n -> absolutePath(n, s.field("password_file")));
      if (name == null || problems.size() > problemsBefore) {
        allBound = false;
        continue;
      }
      roles.add(
          new RoleSpec(
              i, name, login, replication, superuser, createdb, createrole, limit, passwordFile));
    }
    return allBound ? roles : null;
  }

  private Optional<ReplicationSpec> replication(Section doc, List<PeerFacts> peers) {
    Optional<YamlNode> node = optional(doc, "replication");
    if (node.isEmpty()) {
      peers.stream()
          .filter(p -> p.role() == PeerRole.REPLICA)
          .findFirst()
          .ifPresent(
              replica ->
                  problem(
                      locations.getOrDefault(
                          "peers[" + replica.index() + "].role", new SourceLocation(file, 1, 1)),
                      "replication",
                      "required because peers["
                          + replica.index()
                          + "]"
                          + (replica.name() == null ? "" : " (" + replica.name() + ")")
                          + " is a replica: add a replication section with user and password_file"));
      return Optional.empty();
    }
    SourceLocation key = doc.mapping().entry("replication").get().keyLocation();
    Optional<Section> section = section(node.get(), "replication", key, DesiredStateKeys.REPLICATION);
    if (section.isEmpty()) {
      return Optional.empty();
    }
    Section s = section.get();
    String user = required(s, "user").map(n -> checked(n, "replication.user", string(n, "replication.user"), ValueGrammar::roleName)).orElse(null);
    Path passwordFile =
        required(s, "password_file").map(n -> absolutePath(n, "replication.password_file")).orElse(null);
    Optional<YamlNode> slotsNode = optional(s, "slots");
    Boolean slots = slotsNode.isPresent() ? bool(slotsNode.get(), "replication.slots") : Boolean.TRUE;
    if (user == null || passwordFile == null || slots == null) {
      return Optional.empty();
    }
    return Optional.of(new ReplicationSpec(user, passwordFile, slots));
  }

  /** Adds {@code policy.reclone} (never | move-aside) to a bound policy. */
  private Policy reclone(Section doc, Policy policy) {
    if (policy == null || doc.mapping().entry("policy").isEmpty()) {
      return policy;
    }
    YamlNode section = doc.mapping().entry("policy").get().value();
    if (!(section instanceof Mapping m) || m.entry("reclone").isEmpty()) {
      return policy;
    }
    YamlNode n = m.entry("reclone").get().value();
    record("policy.reclone", n.location());
    if (n instanceof Scalar s && s.kind() == ScalarKind.STRING) {
      for (ReclonePolicy r : ReclonePolicy.values()) {
        if (r.yamlName().equals(s.text())) {
          return policy.withReclone(r);
        }
      }
    }
    problem(n.location(), "policy.reclone", "must be never or move-aside, got " + n.describe());
    return null;
  }

  private Policy policy(Section doc) {
    Optional<YamlNode> node = optional(doc, "policy");
    if (node.isEmpty()) {
      return Policy.DEFAULT;
    }
    SourceLocation key = doc.mapping().entry("policy").get().keyLocation();
    Optional<Section> section = section(node.get(), "policy", key, DesiredStateKeys.POLICY);
    if (section.isEmpty()) {
      return null;
    }
    Section s = section.get();
    RestartPolicy restart = optional(s, "restart").map(this::restartPolicy).orElse(null);
    if (restart == null && s.mapping().entry("restart").isPresent()) {
      return null;
    }
    if (restart == null) {
      restart = RestartPolicy.NEVER;
    }
    Optional<YamlNode> windowNode = optional(s, "window");
    if (windowNode.isEmpty()) {
      if (restart == RestartPolicy.WINDOW) {
        problem(locations.get("policy.restart"), "policy.restart",
            "window needs a policy.window: {cron: ..., duration: ...} saying when restarts may happen");
        return null;
      }
      return new Policy(restart);
    }
    MaintenanceWindow window =
        section(windowNode.get(), "policy.window", s.mapping().entry("window").get().keyLocation(), DesiredStateKeys.WINDOW)
            .map(this::window)
            .orElse(null);
    return window == null ? null : new Policy(restart, Optional.of(window));
  }

  private RestartPolicy restartPolicy(YamlNode n) {
    if (n instanceof Scalar s && s.kind() == ScalarKind.STRING) {
      for (RestartPolicy p : RestartPolicy.values()) {
        if (p.yamlName().equals(s.text())) {
          return p;
        }
      }
    }
    problem(n.location(), "policy.restart", "must be never, always or window, got " + n.describe());
    return null;
  }

  private MaintenanceWindow window(Section w) {
    String cron = required(w, "cron").map(n -> cron(n, w.field("cron"))).orElse(null);
    Duration duration = required(w, "duration").map(n -> duration(n, w.field("duration"), Duration.ofMinutes(1))).orElse(null);
    return cron == null || duration == null ? null : new MaintenanceWindow(cron, duration);
  }

  private Schedule schedule(Section doc) {
    Optional<YamlNode> node = optional(doc, "schedule");
    if (node.isEmpty()) {
      return Schedule.DEFAULT;
    }
    Optional<Section> section =
        section(node.get(), "schedule", doc.mapping().entry("schedule").get().keyLocation(), DesiredStateKeys.SCHEDULE);
    if (section.isEmpty()) {
      return null;
    }
    Section s = section.get();
    int before = problems.size();
    Optional<YamlNode> everyNode = optional(s, "every");
    Optional<YamlNode> cronNode = optional(s, "cron");
    Optional<Duration> every = everyNode.map(n -> duration(n, s.field("every"), Duration.ofSeconds(1)));
    Optional<Duration> jitter = optional(s, "jitter").map(n -> duration(n, s.field("jitter"), Duration.ZERO));
    Optional<String> cron = cronNode.map(n -> cron(n, s.field("cron")));
    if (everyNode.isPresent() && cronNode.isPresent()) {
      problem(locations.get("schedule.cron"), "schedule.cron", "give either schedule.every or schedule.cron, not both");
    }
    if (problems.size() > before) {
      return null;
    }
    Duration interval = every.orElse(Schedule.DEFAULT_EVERY);
    if (jitter.isPresent() && jitter.get().compareTo(interval) > 0 && cron.isEmpty()) {
      problem(locations.get("schedule.jitter"), "schedule.jitter",
          "must not be longer than schedule.every (" + Durations.format(interval) + "), got " + Durations.format(jitter.get()));
      return null;
    }
    return Schedule.withDefaults(interval, jitter, cron);
  }

  private Duration duration(YamlNode node, String field, Duration min) {
    if (node instanceof Scalar s && s.kind() != ScalarKind.NULL) {
      Optional<Duration> d = Durations.parse(s.text());
      if (d.isPresent()) {
        if (d.get().compareTo(min) < 0) {
          problem(node.location(), field, "must be at least " + Durations.format(min) + ", got " + s.text());
          return null;
        }
        return d.get();
      }
    }
    problem(node.location(), field, "must be a duration such as 30s, 5m or 1h, got " + node.describe());
    return null;
  }

  private String cron(YamlNode node, String field) {
    String text = string(node, field);
    if (text == null) {
      return null;
    }
    try {
      org.quartz.CronExpression.validateExpression(text);
    } catch (java.text.ParseException e) {
      problem(node.location(), field,
          "is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week, e.g. \"0 */5 * * * ?\"): "
              + e.getMessage() + ", got \"" + text + "\"");
      return null;
    }
    return text;
  }

  // ---------------------------------------------------------------------------------------------
  // Checks that span sections

  private Integer checkSelf(Section doc, boolean written, String self, List<PeerFacts> peers) {
    if (self == null && written) {
      return null; // self itself is wrong; already reported
    }
    for (PeerFacts p : peers) {
      if (p.name() != null && p.name().equals(self)) {
        return p.index();
      }
    }
    if (peers.isEmpty() || peers.stream().anyMatch(p -> p.name() == null)) {
      return null; // a peer name is wrong: self may be that peer, so say nothing more
    }
    String names = peers.stream().map(PeerFacts::name).collect(Collectors.joining(", "));
    if (written) {
      problem(locations.get("self"), "self", "\"" + self + "\" is not one of the peers: " + names);
    } else {
      problem(
          doc.mapping().entry("peers").get().keyLocation(),
          "self",
          "not given, and this host's name "
              + (self == null ? "is unknown" : "\"" + self + "\" is not one of the peers: " + names)
              + "; set self to the name of this host's peer entry");
    }
    return null;
  }

  private void checkOnePrimary(Section doc, List<PeerFacts> peers) {
    PeerFacts primary = null;
    for (PeerFacts p : peers) {
      if (p.role() != PeerRole.PRIMARY) {
        continue;
      }
      if (primary == null) {
        primary = p;
        continue;
      }
      String field = "peers[" + p.index() + "].role";
      problem(
          locations.get(field),
          field,
          "a second primary: peers["
              + primary.index()
              + "]"
              + (primary.name() == null ? "" : " (" + primary.name() + ")")
              + " is already the primary, and exactly one peer may be");
    }
    boolean everyRoleKnown = !peers.isEmpty() && peers.stream().allMatch(p -> p.role() != null);
    if (primary == null && everyRoleKnown) {
      problem(
          doc.mapping().entry("peers").get().keyLocation(),
          "peers",
          "no peer has role primary; exactly one must");
    }
  }

  private void checkOwnedSettings(PostgresFacts pg, Integer selfIndex) {
    pg.settingKeys()
        .forEach(
            (name, at) -> {
              String source = DesiredStateKeys.OWNED_SETTINGS.get(name);
              if (source == null) {
                return;
              }
              if (name.equals("port") && selfIndex != null) {
                source = "this host's peers[" + selfIndex + "].port";
              }
              problem(
                  at,
                  "postgres.settings." + name,
                  "pgconverge sets " + name + " itself, from " + source + "; remove it here");
            });
  }

  /**
   * The reconciler connects to database postgres as postgres.user over the Unix socket; the
   * first local line that matches that connection decides whether it gets in, and it must use
   * peer or trust.
   */
  private void checkHbaLetsReconcilerIn(PostgresFacts pg) {
    if (!pg.everyHbaLineParsed() || pg.user() == null) {
      return; // a line that does not parse is reported already; guessing past it would mislead
    }
    String message =
        "no local line lets \""
            + pg.user()
            + "\" connect with peer authentication: pgconverge talks to its server over the Unix"
            + " socket as postgres.user and would lock itself out";
    for (int i = 0; i < pg.hbaLines().size(); i++) {
      HbaLine line = pg.hbaLines().get(i);
      if (!line.type().equals("local")
          || !matchesDatabasePostgres(line.databases(), pg.user())
          || !line.users().contains("all") && !line.users().contains(pg.user())) {
        continue;
      }
      if (line.method().equals("peer") || line.method().equals("trust")) {
        return;
      }
      String field = "postgres.hba[" + i + "]";
      problem(
          locations.get(field),
          field,
          message + " (this is the first local line that matches, and it uses " + line.method() + ")");
      return;
    }
    problem(pg.hbaLocation(), "postgres.hba", message);
  }

  private static boolean matchesDatabasePostgres(List<String> databases, String user) {
    return databases.contains("all")
        || databases.contains("postgres")
        || databases.contains("sameuser") && user.equals("postgres");
  }

  private void checkRolesKeepReconcilerIn(List<RoleSpec> roles, String user) {
    if (roles == null || user == null) {
      return;
    }
    for (RoleSpec role : roles) {
      if (!role.name().equals(user)) {
        continue;
      }
      for (String attribute : List.of("login", "superuser")) {
        Optional<Boolean> value = attribute.equals("login") ? role.login() : role.superuser();
        if (value.equals(Optional.of(false))) {
          String field = role.field(attribute);
          problem(
              locations.get(field),
              field,
              "\""
                  + user
                  + "\" is postgres.user, the role pgconverge connects as; with "
                  + attribute
                  + ": false it would lock itself out");
        }
      }
    }
  }

  private void checkReplicationRole(
      ReplicationSpec replication, List<RoleSpec> roles, Map<String, Integer> indexByName) {
    SourceLocation at = locations.get("replication.user");
    Integer index = indexByName.get(replication.user());
    if (index == null) {
      problem(
          at,
          "replication.user",
          "role \""
              + replication.user()
              + "\" is not listed under roles; list it there with login: true and replication: true");
      return;
    }
    if (roles == null) {
      return; // some role failed to bind; its problems are reported already
    }
    RoleSpec role = roles.stream().filter(r -> r.index() == index).findFirst().orElseThrow();
    List<String> missing = new ArrayList<>();
    if (!role.login().equals(Optional.of(true))) {
      missing.add("login: true");
    }
    if (!role.replication().equals(Optional.of(true))) {
      missing.add("replication: true");
    }
    if (!missing.isEmpty()) {
      problem(
          at,
          "replication.user",
          "role \""
              + replication.user()
              + "\" (roles["
              + index
              + "]) must have "
              + String.join(" and ", missing)
              + " to be the replication user");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Keys and values

  private Optional<Section> section(
      YamlNode node, String path, SourceLocation where, List<String> known) {
    if (!(node instanceof Mapping m)) {
      problem(node.location(), path, "must be a mapping, got " + node.describe());
      return Optional.empty();
    }
    Section s = new Section(m, path, where);
    checkKeys(s, known);
    return Optional.of(s);
  }

  private void checkKeys(Section s, List<String> known) {
    for (Entry e : s.mapping().entries()) {
      if (known.contains(e.key())) {
        continue;
      }
      String message = "unknown key " + ValueGrammar.show(e.key());
      message += DesiredStateKeys.closest(e.key(), known).map(k -> "; did you mean \"" + k + "\"?").orElse("");
      problem(e.keyLocation(), s.field(e.key()), message);
    }
  }

  /** The value of {@code key}, recording where it was written. */
  private Optional<YamlNode> optional(Section s, String key) {
    Optional<Entry> entry = s.mapping().entry(key);
    entry.ifPresent(
        e -> record(s.field(key), e.value() instanceof Scalar ? e.value().location() : e.keyLocation()));
    return entry.map(Entry::value);
  }

  private Optional<YamlNode> required(Section s, String key) {
    Optional<YamlNode> value = optional(s, key);
    if (value.isEmpty()) {
      problem(s.where(), s.field(key), "required key \"" + key + "\" is missing");
    }
    return value;
  }

  private Optional<Boolean> optionalBoolean(Section s, String key) {
    return optional(s, key).map(n -> bool(n, s.field(key)));
  }

  private Sequence sequence(YamlNode node, String field, boolean nonEmpty) {
    if (!(node instanceof Sequence list)) {
      problem(node.location(), field, "must be a list, got " + node.describe());
      return null;
    }
    if (nonEmpty && list.items().isEmpty()) {
      problem(node.location(), field, "must not be empty");
      return null;
    }
    return list;
  }

  private String string(YamlNode node, String field) {
    if (!(node instanceof Scalar s) || s.kind() == ScalarKind.NULL) {
      problem(node.location(), field, "must be a string, got " + node.describe());
      return null;
    }
    if (s.text().isBlank()) {
      problem(node.location(), field, "must not be empty");
      return null;
    }
    return checked(node, field, s.text(), ValueGrammar::noControlCharacters);
  }

  private String clusterName(YamlNode node, String field) {
    String name = string(node, field);
    if (name != null && (name.length() > 63 || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f))) {
      problem(
          node.location(),
          field,
          "must be at most 63 printable ASCII characters (it is also PostgreSQL's cluster_name), got \""
              + name
              + "\"");
      return null;
    }
    return name;
  }

  private String peerName(YamlNode node, String field) {
    String name = string(node, field);
    if (name != null && !PEER_NAME.matcher(name).matches()) {
      problem(
          node.location(),
          field,
          "must be letters, digits, '_', '.' and '-' only, got " + ValueGrammar.show(name));
      return null;
    }
    return checked(node, field, name, ValueGrammar::peerName);
  }

  private PeerRole peerRole(YamlNode node, String field) {
    if (node instanceof Scalar s && s.kind() == ScalarKind.STRING) {
      for (PeerRole role : PeerRole.values()) {
        if (role.yamlName().equals(s.text())) {
          return role;
        }
      }
    }
    problem(node.location(), field, "must be primary or replica, got " + node.describe());
    return null;
  }

  private Integer portNumber(YamlNode node, String field) {
    Long n = wholeNumber(node, field);
    if (n == null) {
      return null;
    }
    if (n < 1 || n > 65535) {
      problem(node.location(), field, "must be 1-65535, got " + ((Scalar) node).text());
      return null;
    }
    return n.intValue();
  }

  private Integer connectionLimit(YamlNode node, String field) {
    Long n = wholeNumber(node, field);
    if (n == null) {
      return null;
    }
    if (n < -1 || n > Integer.MAX_VALUE) {
      problem(node.location(), field, "must be -1 (no limit) or more, got " + ((Scalar) node).text());
      return null;
    }
    return n.intValue();
  }

  /** A decimal whole number; a value too large for a long is reported as out of any range. */
  private Long wholeNumber(YamlNode node, String field) {
    if (!(node instanceof Scalar s) || s.kind() != ScalarKind.INTEGER || !isDecimal(s.text())) {
      problem(node.location(), field, "must be a number, got " + node.describe());
      return null;
    }
    try {
      return Long.parseLong(s.text().replaceFirst("^\\+", ""));
    } catch (NumberFormatException e) {
      return s.text().startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static boolean isDecimal(String text) {
    return DECIMAL.matcher(text).matches();
  }

  private Boolean bool(YamlNode node, String field) {
    if (node instanceof Scalar s && s.kind() == ScalarKind.BOOLEAN) {
      String word = s.text().toLowerCase(Locale.ROOT);
      if (TRUE_WORDS.contains(word)) {
        return true;
      }
      if (FALSE_WORDS.contains(word)) {
        return false;
      }
    }
    problem(node.location(), field, "must be true or false, got " + node.describe());
    return null;
  }

  private Path absolutePath(YamlNode node, String field) {
    return absolutePath(node, field, ValueGrammar::path);
  }

  private Path absolutePath(YamlNode node, String field, Function<String, Optional<String>> grammar) {
    String text = checked(node, field, string(node, field), grammar);
    if (text == null) {
      return null;
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      problem(node.location(), field, "is not a usable path: " + e.getReason());
      return null;
    }
  }

  /** {@code value} when it passes {@code grammar}; otherwise a problem at {@code node}, and null. */
  private String checked(YamlNode node, String field, String value, Function<String, Optional<String>> grammar) {
    if (value == null) {
      return null;
    }
    Optional<String> wrong = grammar.apply(value);
    wrong.ifPresent(message -> problem(node.location(), field, message));
    return wrong.isPresent() ? null : value;
  }

  private void record(String field, SourceLocation location) {
    locations.putIfAbsent(field, location);
  }

  private void problem(SourceLocation location, String field, String message) {
    problems.add(new Problem(location, field, message));
  }
}
