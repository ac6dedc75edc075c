package io.pgconverge.loop;

import io.pgconverge.desired.MaintenanceWindow;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * Whether a maintenance window is open at a given instant. A window opens at each fire time of
 * its cron and stays open for its duration, so it is open at {@code now} when the first fire time
 * after {@code now - duration} is not after {@code now}. Has no side effects.
 */
public final class MaintenanceWindows {
  private MaintenanceWindows() {}

  public static boolean isOpen(MaintenanceWindow window, Instant now, TimeZone zone) {
    CronExpression cron = cron(window.cron(), zone);
    Date opened = cron.getNextValidTimeAfter(Date.from(now.minus(window.duration())));
    return opened != null && !opened.toInstant().isAfter(now);
  }

  /** The cron expression in {@code zone}; it was validated when the desired state was loaded. Has no side effects. */
  public static CronExpression cron(String expression, TimeZone zone) {
    try {
      CronExpression c = new CronExpression(expression);
      c.setTimeZone(zone);
      return c;
    } catch (ParseException e) {
      // the loader validated it
      throw new IllegalArgumentException("not a cron expression: " + expression, e);
    }
  }
}
