package io.pgconverge.pg;

import java.util.Locale;

/**
 * {@code pg_settings.context}: when a change to a setting takes effect.
 *
 * <p>{@code postmaster} settings need a server restart; {@code internal} ones cannot be changed at
 * all. Every other context picks up a changed configuration file on reload: {@code sighup} for
 * the whole server; {@code backend} and {@code superuser-backend} only in sessions started after
 * the reload; {@code superuser} and {@code user} as the new default for sessions that have not
 * overridden it with {@code SET}.
 */
public enum SettingContext {
  INTERNAL,
  POSTMASTER,
  SIGHUP,
  SUPERUSER_BACKEND,
  BACKEND,
  SUPERUSER,
  USER;

  /**
   * The constant for a {@code pg_settings.context} value ({@code superuser-backend} etc.). Has no
   * side effects.
   *
   * @throws IllegalArgumentException for an unknown context
   */
  public static SettingContext of(String pgSettingsContext) {
    if (pgSettingsContext != null) {
      String key = pgSettingsContext.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      for (SettingContext c : values()) {
        if (c.name().equals(key)) {
          return c;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown pg_settings.context \"" + pgSettingsContext + "\"; expected one of internal, "
            + "postmaster, sighup, superuser-backend, backend, superuser, user");
  }

  /** Whether a changed value takes effect only after a server restart. */
  public boolean needsRestart() {
    return this == POSTMASTER;
  }

  /** Whether a changed value in the configuration files takes effect on reload. */
  public boolean reloadable() {
    return this != POSTMASTER && this != INTERNAL;
  }

  /** The spelling used by {@code pg_settings.context}. */
  public String pgName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
