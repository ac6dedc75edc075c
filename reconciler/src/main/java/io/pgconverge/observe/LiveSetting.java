package io.pgconverge.observe;

/** One row of pg_settings, as the running server reports it. */
public record LiveSetting(
    String name,
    String setting,
    String unit,
    String vartype,
    String context,
    String source,
    String sourcefile,
    boolean pendingRestart) {}
