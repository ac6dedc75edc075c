package io.pgconverge.daemon;

import io.pgconverge.desired.Schedule;
import io.pgconverge.loop.MaintenanceWindows;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.TimeZone;

/**
 * When the next run starts. Has no side effects; randomness is passed in.
 *
 * <ol>
 *   <li>The scheduled time: with {@code schedule.cron}, its next fire time after {@code now};
 *       otherwise {@code now + every}. Either way plus {@code random × jitter} (random in [0, 1)),
 *       so a fleet does not hit its primaries at the same second.
 *   <li>After {@code failures} failed runs in a row (≥ 1), the retry comes after {@link
 *       Backoff#delay} capped at the interval, or at the scheduled time when that is sooner.
 * </ol>
 */
public final class NextRun {
  private NextRun() {}

  public static Instant after(Instant now, Schedule schedule, int failures, double random, TimeZone zone) {
    return after(now, schedule, failures, false, random, zone);
  }

  /** As above; a run that only waits for another host retries quickly ({@link Backoff#delayWaitingOnPeer}). */
  public static Instant after(Instant now, Schedule schedule, int failures, boolean waitingOnPeer, double random, TimeZone zone) {
    Instant scheduled = scheduled(now, schedule, zone).plus(jitter(schedule.jitter(), random));
    if (failures < 1) {
      return scheduled;
    }
    Instant retry = now.plus(waitingOnPeer ? Backoff.delayWaitingOnPeer(failures, schedule.every())
        : Backoff.delay(failures, schedule.every()));
    return retry.isBefore(scheduled) ? retry : scheduled;
  }

  private static Instant scheduled(Instant now, Schedule schedule, TimeZone zone) {
    if (schedule.cron().isPresent()) {
      Date next = MaintenanceWindows.cron(schedule.cron().get(), zone).getNextValidTimeAfter(Date.from(now));
      if (next != null) {
        return next.toInstant();
      }
    }
    return now.plus(schedule.every());
  }

  static Duration jitter(Duration jitter, double random) {
    if (random < 0 || random >= 1) {
      throw new IllegalArgumentException("random must be in [0, 1), got " + random);
    }
    return Duration.ofMillis((long) (jitter.toMillis() * random));
  }
}
