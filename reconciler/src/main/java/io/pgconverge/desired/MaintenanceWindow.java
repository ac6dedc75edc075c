package io.pgconverge.desired;

import java.time.Duration;

/**
 * When restarts may happen under {@code policy.restart: window}: the window opens at each time
 * of the Quartz {@code cron} expression and stays open for {@code duration}.
 */
public record MaintenanceWindow(String cron, Duration duration) {}
