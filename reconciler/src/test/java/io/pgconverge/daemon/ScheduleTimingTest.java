package io.pgconverge.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgconverge.desired.MaintenanceWindow;
import io.pgconverge.desired.Schedule;
import io.pgconverge.loop.MaintenanceWindows;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/** When runs happen: backoff, next run with jitter and cron, maintenance windows. All pure. */
class ScheduleTimingTest {
  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");
  private static final Instant NOW = Instant.parse("2026-11-26T08:02:10Z");

  @Test
  void backoffDoublesFromOneSecondAndStopsAtTheCap() {
    Duration cap = Duration.ofSeconds(10);
    assertThat(Backoff.delay(1, cap)).isEqualTo(Duration.ofSeconds(1));
    assertThat(Backoff.delay(2, cap)).isEqualTo(Duration.ofSeconds(2));
    assertThat(Backoff.delay(3, cap)).isEqualTo(Duration.ofSeconds(4));
    assertThat(Backoff.delay(4, cap)).isEqualTo(Duration.ofSeconds(8));
    assertThat(Backoff.delay(5, cap)).isEqualTo(cap);
    assertThat(Backoff.delay(500, cap)).isEqualTo(cap);
    assertThatThrownBy(() -> Backoff.delay(0, cap)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRunThatOnlyWaitsForAnotherHostAsksAgainWithinAQuarterSecondThenBacksOff() {
    Duration cap = Duration.ofMinutes(5);
    assertThat(Backoff.delayWaitingOnPeer(1, cap)).isEqualTo(Duration.ofMillis(250));
    assertThat(Backoff.delayWaitingOnPeer(60, cap)).isEqualTo(Duration.ofMillis(250));
    assertThat(Backoff.delayWaitingOnPeer(61, cap)).isEqualTo(Duration.ofSeconds(1));
    assertThat(Backoff.delayWaitingOnPeer(62, cap)).isEqualTo(Duration.ofSeconds(2));
    Schedule s = Schedule.withDefaults(Duration.ofMinutes(5), Optional.empty(), Optional.empty());
    assertThat(NextRun.after(NOW, s, 1, true, 0.0, UTC)).isEqualTo(NOW.plusMillis(250));
    assertThat(NextRun.after(NOW, s, 1, false, 0.0, UTC)).isEqualTo(NOW.plusSeconds(1));
  }

  @Test
  void nextRunComesEveryIntervalPlusAShareOfTheJitter() {
    Schedule s = Schedule.withDefaults(Duration.ofMinutes(5), Optional.empty(), Optional.empty());
    assertThat(NextRun.after(NOW, s, 0, 0.0, UTC)).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
    assertThat(NextRun.after(NOW, s, 0, 0.5, UTC)).isEqualTo(NOW.plus(Duration.ofMinutes(5)).plusSeconds(15));
    assertThat(NextRun.after(NOW, s, 0, 0.999, UTC)).isBefore(NOW.plus(Duration.ofMinutes(5)).plusSeconds(30));
  }

  @Test
  void nextRunFollowsTheCronPlusJitter() {
    Schedule s = new Schedule(Schedule.DEFAULT_EVERY, Duration.ofSeconds(20), Optional.of("0 */5 * * * ?"));
    assertThat(NextRun.after(NOW, s, 0, 0.0, UTC)).isEqualTo(Instant.parse("2026-11-26T08:05:00Z"));
    assertThat(NextRun.after(NOW, s, 0, 0.5, UTC)).isEqualTo(Instant.parse("2026-11-26T08:05:10Z"));
  }

  @Test
  void aFailedRunIsRetriedAfterASecondThenLongerButNeverLaterThanTheSchedule() {
    Schedule s = Schedule.withDefaults(Duration.ofSeconds(10), Optional.of(Duration.ZERO), Optional.empty());
    assertThat(NextRun.after(NOW, s, 1, 0.0, UTC)).isEqualTo(NOW.plusSeconds(1));
    assertThat(NextRun.after(NOW, s, 2, 0.0, UTC)).isEqualTo(NOW.plusSeconds(2));
    assertThat(NextRun.after(NOW, s, 3, 0.0, UTC)).isEqualTo(NOW.plusSeconds(4));
    assertThat(NextRun.after(NOW, s, 9, 0.0, UTC)).isEqualTo(NOW.plusSeconds(10));
    Schedule cron = new Schedule(Duration.ofMinutes(5), Duration.ZERO, Optional.of("0 */5 * * * ?"));
    assertThat(NextRun.after(NOW, cron, 9, 0.0, UTC)).as("the cron comes first").isEqualTo(Instant.parse("2026-11-26T08:05:00Z"));
  }

  @Test
  void aWindowIsOpenFromItsCronTimeForItsDuration() {
    MaintenanceWindow sundayNight = new MaintenanceWindow("0 0 3 ? * SUN", Duration.ofHours(2));
    Instant sunday = Instant.parse("2026-11-29T00:00:00Z");
    assertThat(MaintenanceWindows.isOpen(sundayNight, sunday.plus(Duration.ofHours(3)), UTC)).isTrue();
    assertThat(MaintenanceWindows.isOpen(sundayNight, sunday.plus(Duration.ofMinutes(299)), UTC)).isTrue();
    assertThat(MaintenanceWindows.isOpen(sundayNight, sunday.plus(Duration.ofHours(5)), UTC)).as("closes after 2h").isFalse();
    assertThat(MaintenanceWindows.isOpen(sundayNight, sunday.plus(Duration.ofMinutes(179)), UTC)).as("not yet").isFalse();
    assertThat(MaintenanceWindows.isOpen(sundayNight, NOW, UTC)).as("a Thursday").isFalse();
  }

  @Test
  void aWindowFollowsTheTimeZoneItIsGiven() {
    MaintenanceWindow threeAm = new MaintenanceWindow("0 0 3 * * ?", Duration.ofMinutes(30));
    Instant threeUtc = Instant.parse("2026-11-26T03:10:00Z");
    assertThat(MaintenanceWindows.isOpen(threeAm, threeUtc, UTC)).isTrue();
    assertThat(MaintenanceWindows.isOpen(threeAm, threeUtc, TimeZone.getTimeZone("Europe/Berlin"))).isFalse();
    assertThat(MaintenanceWindows.isOpen(threeAm, threeUtc.minus(Duration.ofHours(1)), TimeZone.getTimeZone("Europe/Berlin"))).isTrue();
  }
}
