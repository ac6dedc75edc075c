package io.pgconverge.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the packaged product, {@code java <launcher options> -jar pgconverge.jar ...}, as a subprocess, the way CI
 * and config management do (as root when the tests run as root; the product re-executes itself
 * as {@code postgres.user}).
 *
 * <p>An instance is bound to a {@link TestHost}: its commands pass that host's desired-state file
 * and fail the test when any password the host ever used shows up in stdout or stderr.
 */
public final class Cli {
  /** How long one run may take before it is killed and the test fails. */
  public static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final TestHost host;

  public Cli(TestHost host) {
    this.host = host;
  }

  /** {@code apply --config <host's desired-state file>}. */
  public ProcessResult apply() {
    return run("apply", "--config", host.desiredStateFile().toString());
  }

  /** {@code check --config <host's desired-state file>}. Changes nothing. */
  public ProcessResult check() {
    return run("check", "--config", host.desiredStateFile().toString());
  }

  /** {@code check --config <host's desired-state file> --diff}. Changes nothing. */
  public ProcessResult checkWithDiff() {
    return run("check", "--config", host.desiredStateFile().toString(), "--diff");
  }

  /** {@code validate FILE...}. */
  public ProcessResult validate(Path... files) {
    List<String> args = new ArrayList<>(List.of("validate"));
    Arrays.stream(files).map(Path::toString).forEach(args::add);
    return run(args.toArray(String[]::new));
  }

  /** Any command line; fails when one of the host's passwords appears in the output. */
  public ProcessResult run(String... args) {
    ProcessResult result = runJar(List.of(args));
    for (String secret : host.secrets()) {
      if (result.output().contains(secret)) {
        throw new AssertionError(
            "a password of " + host + " appears in the output of pgconverge\n"
                + result.describe());
      }
    }
    return result;
  }

  /** Runs {@code java -jar <jar> args} with no host attached; bounded by {@link #TIMEOUT}. */
  public static ProcessResult runJar(List<String> args) {
    return Processes.run(command(args), TIMEOUT);
  }

  /**
   * {@code java <the launcher's options> -jar <jar> args}: the argv that runs the product, started
   * as the packaged launcher starts it ({@link ProductJvm}). Its only side effect is writing the
   * class-data archive on the first call.
   */
  public static List<String> command(List<String> args) {
    List<String> command = new ArrayList<>(ProductJvm.command(List.of()));
    command.addAll(args);
    return command;
  }

  /** The jar under test, from the system property {@code pgconverge.jar} that failsafe sets. */
  public static Path jar() {
    String property = System.getProperty("pgconverge.jar");
    if (property == null || property.isBlank()) {
      throw new IllegalStateException(
          "system property pgconverge.jar is not set: run the integration tests with"
              + " `mvn verify` (failsafe sets it to reconciler/target/pgconverge-<version>.jar),"
              + " or pass -Dpgconverge.jar=/path/to/pgconverge.jar");
    }
    Path jar = Paths.get(property).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "pgconverge jar not found at " + jar + ": the package phase did not produce it."
              + " Run `mvn verify` from the repository root (package runs before the ITs), and"
              + " check that the reconciler module compiles and has io.pgconverge.cli.Main.");
    }
    return jar;
  }
}
