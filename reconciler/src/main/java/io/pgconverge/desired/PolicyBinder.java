package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import io.pgconverge.desired.YamlNode.Mapping;
import java.time.Duration;
import java.util.Optional;

/**
 * Binds the optional {@code policy} section: when a restart may happen ({@code restart}, and the
 * maintenance {@code window} that {@code restart: window} needs) and what to do with a former
 * primary that cannot be rewound ({@code reclone}).
 */
final class PolicyBinder {
  private final Binding b;
  private final Scalars v;

  PolicyBinder(Binding b, Scalars v) {
    this.b = b;
    this.v = v;
  }

  /** The policy, {@link Policy#DEFAULT} when absent, null when it is wrong. */
  Policy policy(Section doc) {
    return reclone(doc, restartAndWindow(doc));
  }

  private Policy restartAndWindow(Section doc) {
    Optional<YamlNode> node = b.optional(doc, "policy");
    if (node.isEmpty()) {
      return Policy.DEFAULT;
    }
    Optional<Section> section = b.subsection(doc, "policy", node.get(), DesiredStateKeys.POLICY);
    if (section.isEmpty()) {
      return null;
    }
    Section s = section.get();
    RestartPolicy restart =
        b.optional(s, "restart").map(n -> v.oneOf(n, "policy.restart", RestartPolicy.class, RestartPolicy::yamlName)).orElse(null);
    if (restart == null && s.mapping().entry("restart").isPresent()) {
      return null;
    }
    if (restart == null) {
      restart = RestartPolicy.NEVER;
    }
    Optional<YamlNode> windowNode = b.optional(s, "window");
    if (windowNode.isEmpty()) {
      if (restart == RestartPolicy.WINDOW) {
        b.problem(b.location("policy.restart"), "policy.restart",
            "window needs a policy.window: {cron: ..., duration: ...} saying when restarts may happen");
        return null;
      }
      return new Policy(restart);
    }
    MaintenanceWindow window =
        b.subsection(s, "window", windowNode.get(), DesiredStateKeys.WINDOW).map(this::window).orElse(null);
    return window == null ? null : new Policy(restart, Optional.of(window));
  }

  private MaintenanceWindow window(Section w) {
    String cron = b.required(w, "cron").map(n -> v.cron(n, w.field("cron"))).orElse(null);
    Duration duration = b.required(w, "duration").map(n -> v.duration(n, w.field("duration"), Duration.ofMinutes(1))).orElse(null);
    return cron == null || duration == null ? null : new MaintenanceWindow(cron, duration);
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
    b.record("policy.reclone", n.location());
    ReclonePolicy reclone = v.oneOf(n, "policy.reclone", ReclonePolicy.class, ReclonePolicy::yamlName);
    return reclone == null ? null : policy.withReclone(reclone);
  }
}
