package io.pgconverge.plan;

/**
 * One difference between the desired state and the host: what, the desired and actual values as
 * a DBA would write them, the remedy the plan chose, and where the user wrote the desired value
 * ("" when it is not from the file). Never holds a secret.
 */
public record Drift(DriftKind kind, String subject, String desired, String actual, String remedy, String where) {}
