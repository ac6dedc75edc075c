package io.pgconverge.plan;

import io.pgconverge.observe.FileFact;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.pg.ConfEntry;
import io.pgconverge.pg.ConfFile;
import io.pgconverge.pg.ConfParser;
import io.pgconverge.pg.ConfSyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * postgresql.auto.conf: {@code ALTER SYSTEM} overrides of a setting pgconverge manages.
 *
 * <ol>
 *   <li>Nothing to check during a bootstrap, or when the file is absent; a file that does not parse
 *       is refused.
 *   <li>Each managed setting (owned or from {@code postgres.settings}) set in it is drift; so is
 *       {@code synchronous_standby_names} under {@code replication.synchronous} on a host that
 *       renders none (a replica): the failover agent sets it there just before a promotion, and a
 *       host demoted before its first run as primary keeps it.
 *   <li>While the server runs, {@code ALTER SYSTEM RESET} each; while it is stopped, rewrite the
 *       file without their lines (every other line kept as it is).
 * </ol>
 */
final class AlterSystemStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    Path path = plan.pg().autoConf();
    if (plan.bootstrap() || !(plan.facts().file(path) instanceof FileFact.Present p)) {
      return Next.CONTINUE;
    }
    ConfFile parsed;
    try {
      parsed = ConfParser.parse(p.text());
    } catch (ConfSyntaxException e) {
      plan.refuse(RefusalReason.CONFIG_UNPARSEABLE, path.toString(), "line " + e.line() + ": " + e.getMessage());
      return Next.CONTINUE;
    }
    Map<String, String> managed = new java.util.LinkedHashMap<>(ManagedFiles.settings(plan.desired()));
    if (plan.desired().replication().flatMap(r -> r.synchronous()).isPresent()) {
      managed.putIfAbsent(SynchronousStandbys.SETTING, null);
    }
    Set<String> overridden = new LinkedHashSet<>();
    Set<Integer> lines = new LinkedHashSet<>();
    for (ConfEntry e : parsed.entries()) {
      if (!managed.containsKey(e.name())) {
        continue;
      }
      lines.add(e.line());
      if (overridden.add(e.name())) {
        String rendered = managed.get(e.name());
        plan.drift(DriftKind.ALTER_SYSTEM, e.name(), rendered == null ? "not set (only the primary has a list)"
            : "not overridden (" + rendered + " from postgresql.conf)",
            e.value() + " (postgresql.auto.conf:" + e.line() + ")", "ALTER SYSTEM RESET",
            ManagedFiles.fieldOf(plan.desired(), e.name()));
      }
    }
    if (overridden.isEmpty()) {
      return Next.CONTINUE;
    }
    if (plan.server() instanceof ServerFact.Running) {
      plan.add(new Action.ResetAlterSystem(List.copyOf(overridden)));
    } else {
      StringBuilder kept = new StringBuilder();
      List<String> text = p.text().lines().toList();
      for (int i = 0; i < text.size(); i++) {
        if (!lines.contains(i + 1)) {
          kept.append(text.get(i)).append('\n');
        }
      }
      plan.add(new Action.WriteFile(path, kept.toString(), Optional.of(p.bytes()),
          "remove ALTER SYSTEM overrides of managed settings"));
    }
    return Next.CONTINUE;
  }
}
