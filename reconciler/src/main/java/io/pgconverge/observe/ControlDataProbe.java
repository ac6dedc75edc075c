package io.pgconverge.observe;

import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.host.ProcessCommands;
import io.pgconverge.pg.ControlData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Runs {@code pg_controldata} on PGDATA: the cluster's system identifier, state and timeline. Reads only. */
public final class ControlDataProbe {
  private ControlDataProbe() {}

  public static Optional<ControlData> read(Path bin, Path data) {
    return read(new ProcessCommands(), bin, data);
  }

  /** Reads it through {@code commands} (the applier's runner, so a fake one in its tests). */
  public static Optional<ControlData> read(Commands commands, Path bin, Path data) {
    CommandResult r = commands.run(List.of(bin.resolve("pg_controldata").toString(), data.toString()), java.util.Map.of("LC_ALL", "C"), Duration.ofSeconds(20));
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
