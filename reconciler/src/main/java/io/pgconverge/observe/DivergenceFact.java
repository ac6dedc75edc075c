package io.pgconverge.observe;

/**
 * For a host meant to be a replica whose server runs in recovery, not streaming from the primary,
 * while the primary answers as a primary on a later timeline: whether the WAL it replayed is on the primary's
 * history, so that it can follow (see {@link io.pgconverge.pg.TimelineHistory}). Not checked in
 * any other case: a replica that streams from the primary, or is on its timeline, costs nothing.
 */
public sealed interface DivergenceFact {
  /** Nothing to check (the steady state). */
  record NotChecked() implements DivergenceFact {}

  /** The check was due but a read failed; nothing is concluded. */
  record Unknown(String reason) implements DivergenceFact {}

  /**
   * The replica's replay position read against the primary's history.
   *
   * @param replayTimeline the timeline the replica replays (its own IDENTIFY_SYSTEM)
   * @param replayLsn the end of its last replayed record ({@code pg_last_wal_replay_lsn()})
   * @param primaryTimeline the primary's timeline
   * @param switchpoint where {@code replayTimeline} ends on the primary's history; empty when it
   *     is not on it
   * @param followable whether the replica can follow the primary
   */
  record Checked(int replayTimeline, long replayLsn, int primaryTimeline, java.util.Optional<Long> switchpoint, boolean followable)
      implements DivergenceFact {}
}
