package io.pgconverge.plan;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.RoleAttribute;
import io.pgconverge.desired.RoleSpec;
import io.pgconverge.observe.LiveRole;
import io.pgconverge.observe.Secret;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.pg.PasswordVerifiers;
import io.pgconverge.pg.Rewind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Database roles, on a running server that accepts writes (a standby's roles are its primary's).
 *
 * <ol>
 *   <li>Each listed role that is absent is created with its attributes and password.
 *   <li>A listed role that exists is altered in the attributes the desired state names and that
 *       differ (an attribute left out is left alone), and in its connection limit.
 *   <li>Its password, when a password file is named (unreadable: refused), is checked against the
 *       stored verifier the way the server checks a login, and set (hashed here) only when it does
 *       not match.
 *   <li>With a {@code replication} section, the primary also keeps pg_rewind's role: login, no
 *       superuser, EXECUTE on pg_rewind's file functions, the replication password.
 *   <li>Roles not listed are left alone.
 * </ol>
 */
final class RolesStep implements PlanStep {
  @Override
  public Next plan(PlanBuilder plan) {
    Optional<ServerFact.Running> running = plan.running().filter(r -> !r.inRecovery());
    if (running.isEmpty()) {
      return Next.CONTINUE;
    }
    for (RoleSpec spec : plan.desired().roles()) {
      planRole(plan, spec, running.get().roles().get(spec.name()));
    }
    if (!plan.replica()) {
      planRewindRole(plan, running.get());
    }
    return Next.CONTINUE;
  }

  private static void planRole(PlanBuilder plan, RoleSpec spec, LiveRole live) {
    DesiredState desired = plan.desired();
    Optional<Secret.Readable> password = Optional.empty();
    if (spec.passwordFile().isPresent()) {
      Secret s = plan.facts().secrets().get(spec.passwordFile().get());
      if (s instanceof Secret.Readable r) {
        password = Optional.of(r);
      } else {
        String why = s instanceof Secret.Unreadable u ? u.reason() : "not read";
        plan.refuse(RefusalReason.SECRET_UNREADABLE, "role " + spec.name() + " password_file " + spec.passwordFile().get(),
            why + " (" + desired.where(spec.field("password_file")) + ")");
      }
    }
    if (live == null) {
      plan.drift(DriftKind.ROLE, spec.name(), "present", "absent", "create role", desired.where(spec.field("name")));
      plan.add(new Action.CreateRole(spec, password));
      return;
    }
    List<String> clauses = new ArrayList<>();
    for (RoleAttribute attribute : RoleAttribute.values()) {
      Optional<Boolean> want = attribute.wanted(spec);
      boolean have = has(live, attribute);
      if (want.isPresent() && want.get() != have) {
        plan.drift(DriftKind.ROLE, spec.name() + "." + attribute.field(), want.get().toString(), Boolean.toString(have),
            "alter role", desired.where(spec.field(attribute.field())));
        clauses.add(attribute.clause(want.get()));
      }
    }
    if (spec.connectionLimit().isPresent() && spec.connectionLimit().get() != live.connectionLimit()) {
      plan.drift(DriftKind.ROLE, spec.name() + ".connection_limit", spec.connectionLimit().get().toString(),
          Integer.toString(live.connectionLimit()), "alter role", desired.where(spec.field("connection_limit")));
      clauses.add("CONNECTION LIMIT " + spec.connectionLimit().get());
    }
    if (!clauses.isEmpty()) {
      plan.add(new Action.AlterRole(spec.name(), clauses));
    }
    if (password.isPresent()) {
      Optional<String> verifier = live.verifier();
      if (verifier.isEmpty() || !PasswordVerifiers.matches(password.get().value(), spec.name(), verifier.get())) {
        plan.drift(DriftKind.ROLE, spec.name() + ".password", "the one in " + password.get().file(),
            verifier.isEmpty() ? "none set" : "a different password", "set password", desired.where(spec.field("password_file")));
        plan.add(new Action.SetPassword(spec.name(), password.get()));
      }
    }
  }

  private static boolean has(LiveRole live, RoleAttribute attribute) {
    return switch (attribute) {
      case LOGIN -> live.login();
      case REPLICATION -> live.replication();
      case SUPERUSER -> live.superuser();
      case CREATEDB -> live.createdb();
      case CREATEROLE -> live.createrole();
    };
  }

  private static void planRewindRole(PlanBuilder plan, ServerFact.Running server) {
    if (plan.desired().replication().isEmpty()) {
      return;
    }
    Secret secret = plan.facts().secrets().get(plan.desired().replication().get().passwordFile());
    if (!(secret instanceof Secret.Readable password)) {
      return;
    }
    LiveRole role = server.roles().get(Rewind.ROLE);
    String problem = role == null ? "absent"
        : !role.login() || role.superuser() ? "wrong attributes"
        : !server.replication().rewindRoleReady() ? "missing EXECUTE on pg_rewind's file functions"
        : role.verifier().isEmpty() || !PasswordVerifiers.matches(password.value(), Rewind.ROLE, role.verifier().get())
            ? "a different password" : null;
    if (problem != null) {
      plan.drift(DriftKind.ROLE, Rewind.ROLE, "login, no superuser, EXECUTE on pg_rewind's functions, the replication password",
          problem, "create or fix it", "");
      plan.add(new Action.EnsureRewindRole(password));
    }
  }
}
