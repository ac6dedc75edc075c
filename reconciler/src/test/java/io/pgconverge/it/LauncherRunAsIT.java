package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged launcher ({@code resources/pgconverge}) started as root for check and apply: the
 * first run of a desired-state file takes today's way (a JVM as root reads postgres.user, remembers
 * it for these bytes in the launcher's cache and starts a second JVM as that user); later runs of
 * the same bytes switch to that user before Java starts, one JVM. A cache anyone but root could
 * write, or bytes it has no line for, take the long way again; a cache that names another user
 * gets a refusal, never a run as that user. JVMs are counted by their {@code -Xlog:gc+init} line.
 */
class LauncherRunAsIT {
  private TestHost host;
  private Path home;
  private Path cache;

  @BeforeEach
  void convergedHostAndAnInstalledLauncher() throws IOException {
    host = TestHost.create();
    host.writeDesired();
    Cli cli = new Cli(host);
    cli.run("apply", "--config", host.desiredStateFile().toString(), "--status-file", status().toString(),
        "--metrics-file", host.dir().resolve("metrics.prom").toString()).assertExit(2);
    home = Files.createTempDirectory(Path.of("/tmp"), "pgc-launcher-it-");
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = Cli.jar();
    Files.copy(jar, home.resolve("pgconverge.jar"));
    Files.createSymbolicLink(home.resolve("lib"), jar.getParent().resolve("lib"));
    Files.createDirectory(home.resolve("cache"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    cache = home.resolve("cache/run-as");
  }

  @AfterEach
  void cleanUp() throws IOException {
    if (host != null) {
      host.close();
    }
    if (home != null) {
      PathUtils.deleteDirectory(home);
    }
  }

  private Path status() {
    return host.dir().resolve("status.json");
  }

  private ProcessResult launcher(String... args) {
    return launcherWith("-Xlog:gc+init", args);
  }

  private ProcessResult launcherWith(String javaOpts, String... args) {
    Path script = Cli.jar().getParent().getParent().getParent().resolve("resources/pgconverge");
    List<String> argv = new java.util.ArrayList<>(List.of("/bin/sh", script.toString()));
    argv.addAll(List.of(args));
    return Processes.run(argv, Map.of("PGCONVERGE_HOME", home.toString(), "PGCONVERGE_RUN_AS_CACHE", cache.toString(),
        "PGCONVERGE_CDS_ARCHIVE", home.resolve("none.jsa").toString(), "JAVA_OPTS", javaOpts), Cli.TIMEOUT);
  }

  private ProcessResult check() {
    return launcher("check", "--config", host.desiredStateFile().toString());
  }

  private static long jvms(ProcessResult r) {
    return r.lines().stream().filter(l -> l.contains("[gc,init] Version:")).count();
  }

  private String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void asRootTheFirstCheckLearnsTheUserAndTheNextOnesSwitchBeforeJavaStarts() throws Exception {
    ProcessResult first = check().assertExit(0);
    assertThat(jvms(first)).as("the first run: a JVM as root, then one as postgres\n%s", first.describe()).isEqualTo(2);
    assertThat(Files.readAllLines(cache)).containsExactly(sha256(host.desiredStateFile()) + " postgres");
    assertThat(Files.getOwner(cache).getName()).isEqualTo("root");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rw-r--r--");
    long learnt = Files.getLastModifiedTime(cache).toMillis();

    ProcessResult second = check().assertExit(0);
    assertThat(jvms(second)).as("the same bytes again: one JVM, already postgres\n%s", second.describe()).isEqualTo(1);
    assertThat(second.output()).contains("result=in-sync");

    Files.delete(status());
    ProcessResult apply = launcher("apply", "--config", host.desiredStateFile().toString(), "--status-file", status().toString(),
        "--metrics-file", host.dir().resolve("metrics.prom").toString()).assertExit(0);
    assertThat(jvms(apply)).as(apply.describe()).isEqualTo(1);
    assertThat(Files.getOwner(status()).getName()).as("apply wrote its status file as postgres").isEqualTo("postgres");
    assertThat(Files.getLastModifiedTime(cache).toMillis()).as("the cache is not rewritten").isEqualTo(learnt);
  }

  /** What the launcher's JVM says of its heap: {@code -Xlog:gc+init} and {@code gc+heap+exit} lines, and any warning. */
  private ProcessResult checkWithHeapLog(String javaOpts) {
    return launcherWith(javaOpts + " -Xlog:gc+init -Xlog:gc+heap+exit", "check", "--config", host.desiredStateFile().toString());
  }

  @Test
  void aOneShotCheckGetsAYoungGenerationItsAllocationsFitInUnlessTheOperatorSizedTheHeap() {
    check().assertExit(0); // learn the user: the runs below are one JVM each
    ProcessResult sized = checkWithHeapLog("").assertExit(0);
    assertThat(sized.output()).as(sized.describe()).contains("Heap Initial Capacity: 24M").contains("Heap Max Capacity: 48M")
        .doesNotContain("warning");
    assertThat(edenKilobytes(sized)).as("the eden of a one-shot check (it allocates about 10 MB)\n%s", sized.describe())
        .isGreaterThanOrEqualTo(12 * 1024);
    ProcessResult operator = checkWithHeapLog("-Xmx16m").assertExit(0);
    assertThat(operator.output()).as(operator.describe()).contains("Heap Initial Capacity: 8M").contains("Heap Max Capacity: 16M")
        .doesNotContain("warning");
    assertThat(edenKilobytes(operator)).as("the operator's heap, sized by the JVM\n%s", operator.describe()).isLessThan(12 * 1024);
  }

  private static long edenKilobytes(ProcessResult r) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("eden space (\\d+)K").matcher(r.output());
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  @Test
  void aCacheSomeoneElseCouldWriteOrOtherBytesTakeTheLongWayAgain() throws Exception {
    check().assertExit(0);
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rw-rw-rw-"));
    ProcessResult writable = check().assertExit(0);
    assertThat(jvms(writable)).as("a cache others may write is not trusted\n%s", writable.describe()).isEqualTo(2);
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rw-r--r--"));

    Files.writeString(host.desiredStateFile(), TestHost.read(host.desiredStateFile()) + "# edited\n");
    ProcessResult edited = check().assertExit(0);
    assertThat(jvms(edited)).as("no line for the new bytes yet\n%s", edited.describe()).isEqualTo(2);
    assertThat(Files.readAllLines(cache)).hasSize(2).last().isEqualTo(sha256(host.desiredStateFile()) + " postgres");
    assertThat(jvms(check().assertExit(0))).isEqualTo(1);

    ProcessResult help = launcher("check", "--help").assertExit(0);
    assertThat(help.output()).contains("--config");
  }

  @Test
  void aCacheNamingAnotherUserGetsARefusalNeverARunAsThatUser() throws Exception {
    Files.write(cache, List.of(sha256(host.desiredStateFile()) + " nobody"));
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rw-r--r--"));
    ProcessResult lied = check().assertExit(1);
    assertThat(lied.output()).contains("started as nobody").contains("names postgres.user postgres").contains("nothing done");
    assertThat(jvms(lied)).isEqualTo(1);
  }
}
