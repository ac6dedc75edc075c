package io.pgconverge.observe;

import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.pg.ControlData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Runs {@code pg_controldata} on PGDATA: the cluster's system identifier, state and timeline. Reads only. */
public final class ControlDataProbe {
  private ControlDataProbe() {}

  public static Optional<ControlData> read(Path bin, Path data) {
    CommandResult r = Commands.run(List.of(bin.resolve("pg_controldata").toString(), data.toString()), java.util.Map.of("LC_ALL", "C"), Duration.ofSeconds(20));
    if (!r.ok()) {
      return Optional.empty();
    }
    try {
      return Optional.of(ControlData.parse(r.stdout()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
