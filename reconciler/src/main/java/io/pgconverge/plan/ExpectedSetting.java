package io.pgconverge.plan;

/** A value the server must report in pg_settings after a reload, with the type facts to compare it by meaning. */
public record ExpectedSetting(String name, String value, String vartype, String unit) {}
