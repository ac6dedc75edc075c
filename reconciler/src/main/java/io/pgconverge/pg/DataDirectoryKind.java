package io.pgconverge.pg;

/** What a data directory holds, as far as deciding whether to initialise or copy into it. */
public enum DataDirectoryKind {
  /** The directory does not exist (decided by the caller, who looked). */
  MISSING,
  /** Nothing but dot-files and {@code lost+found}: safe to initialise or copy into. */
  EMPTY,
  /** {@code PG_VERSION} and {@code global/pg_control}: an initialised cluster. */
  INITIALIZED,
  /** Anything else: unknown content to refuse, report and leave alone. */
  FOREIGN
}
