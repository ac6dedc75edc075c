package io.pgconverge.plan;

/**
 * What later actions depend on. When an action that provides a stage fails, the actions that need
 * that stage are skipped; the others still run (one role's failure does not block the next).
 */
public enum Stage {
  DATA_DIRECTORY,
  CONFIG_FILES,
  SERVER
}
