package io.pgconverge.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgconverge.host.CommandResult;
import io.pgconverge.plan.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability of a new data directory: initdb and pg_basebackup write it with {@code --no-sync},
 * and pgconverge flushes the finished staging directory ({@code sync -f}) before the rename makes
 * it PGDATA. The command runner is in memory (it records when {@code sync} ran and what the host
 * looked like then); initdb and pg_basebackup are two-line stand-ins in a bin directory of the
 * test's own that make the directory {@code -D} names, since only the order of pgconverge's own
 * steps is under test here (BootstrapIT runs the real ones).
 */
class DataDirectoryBuilderTest {
  @TempDir Path tmp;
  private final InMemoryHost host = new InMemoryHost();
  /** What the host looked like at each flush, one line per flush. */
  private final List<String> seenAtFlush = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Path bin;
  private Path data;
  private Path staging;

  @BeforeEach
  void standIns() throws IOException {
    bin = Files.createDirectories(tmp.resolve("bin"));
    script("initdb", "mkdir -p \"$d\" && echo 15 > \"$d/PG_VERSION\"");
    script("pg_basebackup", "mkdir -p \"$d\" && echo 15 > \"$d/PG_VERSION\" && "
        + "printf \"work_mem = '8MB'\\nprimary_conninfo = 'host=h'\\n\" > \"$d/postgresql.auto.conf\"");
    data = tmp.resolve("srv/data");
    staging = Staging.beside(data);
    Files.createDirectories(data.getParent());
    host.on("sync", argv -> {
      seenAtFlush.add("PGDATA " + (Files.exists(data.resolve("PG_VERSION")) ? "has PG_VERSION" : "has no PG_VERSION")
          + ", staging " + (Files.exists(staging.resolve("PG_VERSION")) ? "complete" : "missing")
          + ", standby.signal " + (Files.exists(staging.resolve("standby.signal")) ? "written" : "absent")
          + (Files.exists(staging.resolve("copying")) ? ", still copying" : ""));
      return new CommandResult(argv, 0, "", "", false);
    });
  }

  /** A stand-in for {@code name} that records its argv and runs {@code make} with $d = the directory after -D. */
  private void script(String name, String make) throws IOException {
    Path p = bin.resolve(name);
    Files.writeString(p, "#!/bin/sh\necho \"$@\" > \"$0.args\"\n"
        + "while [ $# -gt 0 ]; do [ \"$1\" = -D ] && d=$2; shift; done\n" + make + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private String argsOf(String name) throws IOException {
    return Files.readString(bin.resolve(name + ".args")).strip();
  }

  private List<List<String>> syncs() {
    return host.commands.stream().filter(argv -> argv.get(0).equals("sync")).toList();
  }

  private Action.InitDataDirectory initdb() {
    return new Action.InitDataDirectory(data, bin, "postgres", List.of("--data-checksums"), data);
  }

  private Action.BaseBackup basebackup() {
    return new Action.BaseBackup(data, bin, "host=127.0.0.1 port=5432 user=replicator", "node1", data);
  }

  @Test
  void initdbWritesWithoutItsOwnSyncAndTheStagingDirectoryIsFlushedBeforeItBecomesPgdata() throws Exception {
    new DataDirectoryBuilder(host.ports().commands()).initdb(initdb());

    assertThat(argsOf("initdb")).contains("--no-sync").contains("--data-checksums");
    assertThat(syncs()).containsExactly(List.of("sync", "-f", staging.toString()));
    assertThat(seenAtFlush).as("what the host looked like while the flush ran")
        .containsExactly("PGDATA has no PG_VERSION, staging complete, standby.signal absent");
    assertThat(data.resolve("PG_VERSION")).exists();
    assertThat(staging).doesNotExist();
  }

  @Test
  void aCopyIsFlushedAfterPgconvergesOwnEditsToItAndBeforeTheRename() throws Exception {
    new DataDirectoryBuilder(host.ports().commands()).basebackup(basebackup(), ApplyEvents.NONE);

    assertThat(argsOf("pg_basebackup")).contains("--no-sync").contains("-c fast");
    assertThat(seenAtFlush.stream().filter(f -> f.contains("standby.signal written")))
        .as("the flush after the copy and pgconverge's edits to it, whatever flushed while it ran")
        .containsExactly("PGDATA has no PG_VERSION, staging complete, standby.signal written");
    assertThat(seenAtFlush.get(seenAtFlush.size() - 1)).contains("standby.signal written");
    assertThat(Files.readString(data.resolve("postgresql.auto.conf"))).isEqualTo("work_mem = '8MB'\n");
  }

  @Test
  void aLongCopyIsWrittenBackWhileItRunsAndFlushedOnceMoreWhenComplete() throws Exception {
    script("pg_basebackup", "mkdir -p \"$d\" && echo 15 > \"$d/PG_VERSION\" && touch \"$d/copying\" && sleep 1 && rm \"$d/copying\"");

    new DataDirectoryBuilder(host.ports().commands(), 0).basebackup(basebackup(), ApplyEvents.NONE);
    int flushes = seenAtFlush.size();
    Thread.sleep(4 * 50);

    assertThat(seenAtFlush.stream().filter(f -> f.endsWith("still copying")).count())
        .as("flushes of the staging directory while pg_basebackup still copied").isGreaterThan(1);
    assertThat(seenAtFlush.get(flushes - 1)).as("the last flush, before the rename: the one that decides")
        .isEqualTo("PGDATA has no PG_VERSION, staging complete, standby.signal written");
    assertThat(seenAtFlush).as("no flush once the copy is in place").hasSize(flushes);
    assertThat(data.resolve("PG_VERSION")).exists();
  }

  @Test
  void aCopyThatLeavesLittleDirtyIsFlushedOnlyOnceItIsComplete() throws Exception {
    script("pg_basebackup", "mkdir -p \"$d\" && echo 15 > \"$d/PG_VERSION\" && touch \"$d/copying\" && sleep 0.5 && rm \"$d/copying\"");

    new DataDirectoryBuilder(host.ports().commands(), 1L << 50).basebackup(basebackup(), ApplyEvents.NONE);

    assertThat(seenAtFlush).as("dirty page cache under the threshold: no process started while it copied")
        .containsExactly("PGDATA has no PG_VERSION, staging complete, standby.signal written");
  }

  @Test
  void aFlushWhileTheCopyRunsThatFailsIsNotTheCopysFailure() throws Exception {
    script("pg_basebackup", "mkdir -p \"$d\" && echo 15 > \"$d/PG_VERSION\" && touch \"$d/copying\" && sleep 0.5 && rm \"$d/copying\"");
    host.on("sync", argv -> Files.exists(staging.resolve("copying"))
        ? new CommandResult(argv, 1, "", "sync: error syncing: Input/output error", false)
        : new CommandResult(argv, 0, "", "", false));

    new DataDirectoryBuilder(host.ports().commands(), 0).basebackup(basebackup(), ApplyEvents.NONE);

    assertThat(data.resolve("PG_VERSION")).as("the copy moved into place: the last flush succeeded").exists();
  }

  @Test
  void theCopysFirstStartChecksItsFilesWithOneSyncfsAndEveryLaterStartKeepsTheFilesSetting() {
    Action.StartServer start = new Action.StartServer(data, data, bin, tmp.resolve("log/server.log"));
    Applier applier = new Applier(host.ports(), false, line -> null, () -> false, ApplyEvents.NONE);

    List<Outcome> outcomes = applier.apply(List.of(basebackup(), start, start));

    assertThat(outcomes).allMatch(o -> o instanceof Outcome.Applied);
    List<List<String>> starts = host.commands.stream().filter(argv -> argv.get(0).endsWith("pg_ctl")).toList();
    assertThat(starts).hasSize(2);
    assertThat(starts.get(0)).as("the first start of the copy just flushed")
        .containsSequence("-o", "-c recovery_init_sync_method=syncfs");
    assertThat(starts.get(1)).as("a later start").doesNotContain("-o");
    assertThat(host.commands.indexOf(syncs().get(0))).as("the flush before the rename comes first")
        .isLessThan(host.commands.indexOf(starts.get(0)));
  }

  @Test
  void aStartWithoutACopyInTheSameRunKeepsTheFilesSetting() {
    Action.StartServer start = new Action.StartServer(data, data, bin, tmp.resolve("log/server.log"));

    new Applier(host.ports(), false, line -> null, () -> false, ApplyEvents.NONE).apply(List.of(start));

    assertThat(host.commands).singleElement().satisfies(argv -> assertThat(argv).doesNotContain("-o"));
  }

  @Test
  void anEmptyMountPointGetsItsEntriesOnlyAfterTheFlush() throws Exception {
    Files.createDirectories(data);

    new DataDirectoryBuilder(host.ports().commands()).initdb(initdb());

    assertThat(seenAtFlush).containsExactly("PGDATA has no PG_VERSION, staging complete, standby.signal absent");
    assertThat(data.resolve("PG_VERSION")).exists();
  }

  @Test
  void aFlushThatFailsLeavesPgdataAsItWas() {
    host.answer("sync", 1, "", "sync: error syncing '" + staging + "': Input/output error");

    assertThatThrownBy(() -> new DataDirectoryBuilder(host.ports().commands()).initdb(initdb()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot flush " + staging)
        .hasMessageContaining("Input/output error")
        .hasMessageContaining("PGDATA left as it was");
    assertThat(data).doesNotExist();
  }

  @Test
  void aWalDirectoryElsewhereIsFlushedToo() throws Exception {
    Path wal = Files.createDirectories(tmp.resolve("wal"));
    script("initdb", "mkdir -p \"$d\" && echo 15 > \"$d/PG_VERSION\" && ln -s " + wal + " \"$d/pg_wal\"");

    new DataDirectoryBuilder(host.ports().commands()).initdb(initdb());

    assertThat(syncs()).containsExactly(List.of("sync", "-f", staging.toString(), staging.resolve("pg_wal") + "/"));
  }
}
