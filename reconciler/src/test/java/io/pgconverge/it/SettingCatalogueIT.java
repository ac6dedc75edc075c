package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.pg.ConfRenderer;
import io.pgconverge.pg.SettingCatalogue;
import io.pgconverge.pg.SettingCatalogue.Parameter;
import io.pgconverge.pg.SettingCheck;
import io.pgconverge.pg.SettingContext;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline check agrees with the server: for every (name, value) pair of a table built from the
 * PostgreSQL 15 catalogue (bounds and one past them, units right and wrong, every enum label and
 * alias, booleans and their prefixes) and a hand-written list of traps, {@link SettingCheck}
 * accepts exactly what {@code postgres -D <scratch> -C port} of the installed PostgreSQL 15
 * accepts from a candidate postgresql.conf, written as pgconverge writes it.
 *
 * <p>The server reports every bad value of a file in one run, each naming its parameter, so a
 * round sets many parameters at once, each at most once. Unknown names go in a round of their
 * own (the server stops before it looks at any value when a name is unknown), and so does
 * {@code log_min_messages} (set to {@code fatal} it would silence the other complaints).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SettingCatalogueIT {
  /** The installed PostgreSQL 15 by default; another major's bin directory and number may be given. */
  private static final Path BIN =
      Path.of(System.getProperty("pgconverge.it.catalogue.bin", "/usr/lib/postgresql/15/bin"));
  private static final SettingCatalogue PG15 =
      SettingCatalogue.of(Integer.parseInt(System.getProperty("pgconverge.it.catalogue.major", "15")));

  /**
   * What the check cannot know, so the table leaves it out: values only a check hook of the server
   * refuses (an unknown time zone, a stack deeper than the OS allows, a search path that does not
   * parse, more backends than the server can count when added to the other pools).
   */
  private static final List<Pair> ONLY_THE_SERVER_REJECTS =
      List.of(
          new Pair("timezone", "Mars/Olympus"),
          new Pair("max_stack_depth", "2147483647"),
          new Pair("search_path", "\"unclosed"),
          new Pair("max_connections", "262143"),
          new Pair("max_connections", "0x3ffff"),
          new Pair("autovacuum_max_workers", "262143"),
          new Pair("autovacuum_max_workers", "0x3ffff"),
          new Pair("max_worker_processes", "262143"),
          new Pair("max_worker_processes", "0x3ffff"),
          new Pair("max_wal_senders", "262143"),
          new Pair("max_wal_senders", "0x3ffff"));

  /** Parameters whose check hooks look at each other: one of each group per round. */
  private static final Map<String, String> GROUP =
      Map.of(
          "log_statement_stats", "stats",
          "log_parser_stats", "stats",
          "log_planner_stats", "stats",
          "log_executor_stats", "stats",
          "max_connections", "backends",
          "autovacuum_max_workers", "backends",
          "max_worker_processes", "backends",
          "max_wal_senders", "backends");

  private record Pair(String name, String value) {
    @Override
    public String toString() {
      return name + " = '" + value + "'";
    }
  }

  @Test
  void checkAcceptsExactlyWhatTheServerAccepts(@TempDir Path scratch) throws IOException {
    List<Pair> pairs = new ArrayList<>(generated());
    pairs.addAll(traps());
    List<List<Pair>> rounds = rounds(pairs);

    List<String> disagreements = new ArrayList<>();
    int serverAccepted = 0;
    for (List<Pair> round : rounds) {
      Map<Pair, Boolean> server = serverVerdicts(scratch, round);
      for (Pair p : round) {
        boolean serverOk = server.get(p);
        boolean checkOk = SettingCheck.problem(PG15, p.name(), p.value()).isEmpty();
        serverAccepted += serverOk ? 1 : 0;
        if (serverOk != checkOk) {
          disagreements.add(p + ": server " + (serverOk ? "accepts" : "rejects") + ", check "
              + (checkOk ? "accepts" : "rejects: " + SettingCheck.problem(PG15, p.name(), p.value()).get()));
        }
      }
    }

    assertThat(pairs).hasSizeGreaterThanOrEqualTo(100);
    assertThat(serverAccepted).as("the table holds values the server accepts").isGreaterThan(100);
    assertThat(pairs.size() - serverAccepted).as("and values it rejects").isGreaterThan(100);
    assertThat(disagreements).as(pairs.size() + " pairs in " + rounds.size() + " rounds").isEmpty();
  }

  @Test
  void serverAloneRejectsWhatOnlyItsCheckHooksKnow(@TempDir Path scratch) throws IOException {
    for (Pair p : ONLY_THE_SERVER_REJECTS) {
      assertThat(SettingCheck.problem(PG15, p.name(), p.value())).as(p.toString()).isEmpty();
      assertThat(serverVerdicts(scratch, List.of(p)).get(p))
          .as(p + " is refused by the server's postgres -C")
          .isFalse();
    }
  }

  /** Pairs from the catalogue itself: every non-internal bool, integer, real and enum. */
  private static List<Pair> generated() {
    List<Pair> pairs = new ArrayList<>();
    List<Parameter> params = new ArrayList<>(PG15.parameters());
    params.sort(Comparator.comparing(Parameter::name));
    for (Parameter p : params) {
      if (p.context() == SettingContext.INTERNAL || p.name().equals("max_stack_depth")) {
        continue;
      }
      String n = p.name();
      switch (p.type()) {
        case "bool" -> {
          for (String v : List.of("on", "OFF", "tRuE", "fa", "o", "maybe", " on", "2")) {
            pairs.add(new Pair(n, v));
          }
        }
        case "integer" -> {
          BigInteger min = new BigInteger(p.min());
          BigInteger max = new BigInteger(p.max());
          pairs.add(new Pair(n, p.min()));
          pairs.add(new Pair(n, p.max()));
          pairs.add(new Pair(n, min.subtract(BigInteger.ONE).toString()));
          pairs.add(new Pair(n, max.add(BigInteger.ONE).toString()));
          pairs.add(new Pair(n, "0x" + max.toString(16)));
          pairs.add(new Pair(n, min.add(BigInteger.ONE) + ".4"));
          pairs.add(new Pair(n, "twelve"));
          addUnitValues(pairs, p);
        }
        case "real" -> {
          pairs.add(new Pair(n, p.min()));
          pairs.add(new Pair(n, "0x1"));
          pairs.add(new Pair(n, "1e-3"));
          pairs.add(new Pair(n, "cheap"));
          if (Double.parseDouble(p.min()) > -1e300) {
            pairs.add(new Pair(n, Double.toString(Double.parseDouble(p.min()) - 1)));
          }
          if (Double.parseDouble(p.max()) < 1e300) {
            pairs.add(new Pair(n, p.max()));
            pairs.add(new Pair(n, Double.toString(Double.parseDouble(p.max()) * 2 + 1)));
          }
          addUnitValues(pairs, p);
        }
        case "enum" -> {
          for (String v : p.enumValues()) {
            pairs.add(new Pair(n, v));
          }
          for (String v : p.enumAliases()) {
            pairs.add(new Pair(n, v));
          }
          String first = p.enumValues().get(0);
          pairs.add(new Pair(n, first.toUpperCase(Locale.ROOT)));
          pairs.add(new Pair(n, " " + first));
          pairs.add(new Pair(n, first + "x"));
        }
        default -> {}
      }
    }
    pairs.removeAll(ONLY_THE_SERVER_REJECTS);
    return pairs;
  }

  private static void addUnitValues(List<Pair> pairs, Parameter p) {
    String n = p.name();
    if (p.unit().isEmpty()) {
      pairs.add(new Pair(n, "1s"));
      pairs.add(new Pair(n, "1kB"));
    } else if (p.unit().endsWith("B")) {
      for (String v : List.of("1MB", "1.5MB", "64 kB", "1GB", "64KB", "1s", "3TB")) {
        pairs.add(new Pair(n, v));
      }
    } else {
      for (String v : List.of("1s", "1.5min", "250 ms", "1d", "1sec", "1kB", "100us")) {
        pairs.add(new Pair(n, v));
      }
    }
  }

  /** Hand-written traps: names, rounding at the edge of a range, syntax strtol and strtod take. */
  private static List<Pair> traps() {
    return List.of(
        new Pair("wal_levl", "replica"),
        new Pair("shared_buffer", "1GB"),
        new Pair("wal_keep_segments", "32"),
        new Pair("force_parallel_query", "on"),
        new Pair("myext.anything", "whatever"),
        new Pair("auto_explain.log_min_duration", "250ms"),
        new Pair("block_size", "8192"),
        new Pair("data_checksums", "on"),
        new Pair("authentication_timeout", "10.01min"),
        new Pair("authentication_timeout", "10min"),
        new Pair("authentication_timeout", "0.4s"),
        new Pair("shared_buffers", "127kB"),
        new Pair("shared_buffers", "124kB"),
        new Pair("max_connections", "017"),
        new Pair("max_connections", "08"),
        new Pair("max_connections", "1e2"),
        new Pair("max_connections", " 100 "),
        new Pair("port", "0x1F90"),
        new Pair("random_page_cost", "inf"),
        new Pair("random_page_cost", "nan"),
        new Pair("random_page_cost", " 1.5 "),
        new Pair("statement_timeout", "-1"),
        new Pair("statement_timeout", "2147483648ms"),
        new Pair("work_mem", "0.5kB"),
        new Pair("wal_level", "hot_standby"),
        new Pair("wal_level", "archive"),
        new Pair("ssl_max_protocol_version", ""),
        new Pair("log_min_messages", "fatal"),
        new Pair("log_min_messages", "debug"),
        new Pair("log_min_messages", "loud"),
        new Pair("TimeZone", "UTC"),
        new Pair("search_path", "\"$user\", public"),
        new Pair("DateStyle", "iso, mdy"));
  }

  /**
   * Splits pairs into rounds: each name (or {@link #GROUP}) once per round, unknown names each
   * alone, log_min_messages alone.
   */
  private static List<List<Pair>> rounds(List<Pair> pairs) {
    List<List<Pair>> rounds = new ArrayList<>();
    List<Map<String, Pair>> shared = new ArrayList<>();
    for (Pair p : pairs) {
      boolean alone = p.name().equals("log_min_messages")
          || (!p.name().contains(".") && PG15.find(p.name()).isEmpty());
      if (alone) {
        rounds.add(List.of(p));
        continue;
      }
      String key = GROUP.getOrDefault(p.name(), p.name().toLowerCase(Locale.ROOT));
      Map<String, Pair> round = shared.stream().filter(r -> !r.containsKey(key)).findFirst().orElse(null);
      if (round == null) {
        round = new LinkedHashMap<>();
        shared.add(round);
      }
      round.put(key, p);
    }
    shared.forEach(r -> rounds.add(List.copyOf(r.values())));
    return rounds;
  }

  /**
   * One {@code postgres -C port} on a postgresql.conf holding these pairs; a pair is accepted when
   * no complaint names its parameter. The exit status must agree: 0 exactly when nothing was
   * refused.
   */
  private static Map<Pair, Boolean> serverVerdicts(Path scratch, List<Pair> round) throws IOException {
    Path dir = Files.createTempDirectory(scratch, "round-");
    Files.setPosixFilePermissions(scratch, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    PostgresUser.chown(dir);
    StringBuilder conf = new StringBuilder();
    for (Pair p : round) {
      conf.append(p.name()).append(" = ").append(ConfRenderer.quoteValue(p.value())).append('\n');
    }
    Path file = dir.resolve("postgresql.conf");
    Files.writeString(file, conf.toString(), StandardCharsets.UTF_8);
    PostgresUser.chown(file);
    ProcessResult r = Processes.run(
        PostgresUser.command(List.of(BIN.resolve("postgres").toString(), "-D", dir.toString(), "-C", "port")),
        Duration.ofSeconds(60));
    List<String> complaints = r.lines().stream()
        .map(l -> l.toLowerCase(Locale.ROOT))
        .filter(l -> !l.contains("skipping missing configuration file") && !l.contains("contains errors"))
        .filter(l -> l.contains("parameter \""))
        .toList();
    Map<Pair, Boolean> verdicts = new LinkedHashMap<>();
    boolean anyRefused = false;
    for (Pair p : round) {
      String needle = "parameter \"" + p.name().toLowerCase(Locale.ROOT) + "\"";
      boolean refused = complaints.stream().anyMatch(l -> l.contains(needle));
      anyRefused |= refused;
      verdicts.put(p, !refused);
    }
    if (round.size() == 1 && r.exitCode() != 0) {
      verdicts.put(round.get(0), false);
      anyRefused = true;
    }
    assertThat(r.exitCode() != 0).as("exit status agrees with the complaints: " + r.describe()).isEqualTo(anyRefused);
    return verdicts;
  }
}
