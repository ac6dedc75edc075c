package io.pgconverge.desired;

import io.pgconverge.desired.Binding.Section;
import java.time.Duration;
import java.util.Optional;

/**
 * Binds the optional {@code schedule} section: a run every interval (with an optional jitter no
 * longer than it) or on a Quartz cron expression, not both.
 */
final class ScheduleBinder {
  private final Binding b;
  private final Scalars v;

  ScheduleBinder(Binding b, Scalars v) {
    this.b = b;
    this.v = v;
  }

  /** The schedule, {@link Schedule#DEFAULT} when absent, null when it is wrong. */
  Schedule schedule(Section doc) {
    Optional<YamlNode> node = b.optional(doc, "schedule");
    if (node.isEmpty()) {
      return Schedule.DEFAULT;
    }
    Optional<Section> section = b.subsection(doc, "schedule", node.get(), DesiredStateKeys.SCHEDULE);
    if (section.isEmpty()) {
      return null;
    }
    Section s = section.get();
    int before = b.problemCount();
    Optional<YamlNode> everyNode = b.optional(s, "every");
    Optional<YamlNode> cronNode = b.optional(s, "cron");
    Optional<Duration> every = everyNode.map(n -> v.duration(n, s.field("every"), Duration.ofSeconds(1)));
    Optional<Duration> jitter = b.optional(s, "jitter").map(n -> v.duration(n, s.field("jitter"), Duration.ZERO));
    Optional<String> cron = cronNode.map(n -> v.cron(n, s.field("cron")));
    if (everyNode.isPresent() && cronNode.isPresent()) {
      b.problem(b.location("schedule.cron"), "schedule.cron", "give either schedule.every or schedule.cron, not both");
    }
    if (b.problemCount() > before) {
      return null;
    }
    Duration interval = every.orElse(Schedule.DEFAULT_EVERY);
    if (jitter.isPresent() && jitter.get().compareTo(interval) > 0 && cron.isEmpty()) {
      b.problem(b.location("schedule.jitter"), "schedule.jitter",
          "must not be longer than schedule.every (" + Durations.format(interval) + "), got " + Durations.format(jitter.get()));
      return null;
    }
    return Schedule.withDefaults(interval, jitter, cron);
  }
}
