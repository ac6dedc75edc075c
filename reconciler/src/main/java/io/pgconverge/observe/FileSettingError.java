package io.pgconverge.observe;

/** A line of a config file that the running server says it cannot apply (pg_file_settings / pg_hba_file_rules). */
public record FileSettingError(String file, int line, String name, String error) {}
