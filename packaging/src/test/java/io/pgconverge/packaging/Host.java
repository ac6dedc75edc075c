package io.pgconverge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands on this host, as the tests' user (root in CI), and returns what they printed.
 * Every call can change the host: the callers say what they install and clean it up.
 */
final class Host {
  private Host() {}

  /** What a command printed (stdout and stderr together) and its exit code. */
  record Result(List<String> argv, int exit, String output) {
    Result expectExit(int expected) {
      assertThat(exit)
          .as("exit code of %s, which printed:%n%s", String.join(" ", argv), output)
          .isEqualTo(expected);
      return this;
    }

    Result ok() {
      return expectExit(0);
    }
  }

  static Result run(String... argv) {
    return run(null, Map.of(), 120, argv);
  }

  /** Runs argv in cwd (null: ours) with env added, killing it after timeoutSeconds. */
  static Result run(Path cwd, Map<String, String> env, long timeoutSeconds, String... argv) {
    try {
      Path out = Files.createTempFile("pgconverge-it-", ".out");
      try {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.redirectOutput(out.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (cwd != null) {
          pb.directory(cwd.toFile());
        }
        pb.environment().putAll(env);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          throw new AssertionError(
              String.join(" ", argv)
                  + ": still running after "
                  + timeoutSeconds
                  + " s; it printed:\n"
                  + Files.readString(out, StandardCharsets.UTF_8));
        }
        return new Result(
            List.of(argv), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Result sh(String script) {
    return run("sh", "-ec", script);
  }

  /**
   * Runs {@code pgconverge validate file} on a host named node1: the three-node example names no
   * {@code self}, so it is valid only on a host whose name is one of its peers. The hostname is
   * set in a new UTS namespace ({@code unshare --uts}, root), this host's own name is unchanged.
   */
  static Result validateAsNode1(String pgconverge, Path file, Map<String, String> env) {
    return run(null, env, 60, "unshare", "--uts", "sh", "-ec",
        "hostname node1 && exec \"$0\" validate \"$1\"", pgconverge, file.toString());
  }

  static boolean isRoot() {
    return "0".equals(run("id", "-u").output().trim());
  }

  /** The first of these commands that is not on the PATH, or null when all are. */
  static String missingCommand(String... commands) {
    for (String c : commands) {
      if (run("sh", "-c", "command -v " + c).exit() != 0) {
        return c;
      }
    }
    return null;
  }

  static boolean debInstalled(String name) {
    Result r = run("dpkg-query", "-W", "-f=${db:Status-Status}", name);
    return r.exit() == 0 && !r.output().trim().equals("not-installed");
  }

  /** Deletes a tree; has no effect when it does not exist. */
  static void deleteTree(Path dir) {
    if (dir != null && Files.exists(dir)) {
      run("rm", "-rf", "--one-file-system", dir.toString());
    }
  }

  static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    for (String l : text.split("\n")) {
      if (!l.isBlank()) {
        out.add(l);
      }
    }
    return out;
  }

  static Path property(String name) {
    String v = System.getProperty(name);
    assertThat(v).as("system property %s (set by packaging/pom.xml)", name).isNotBlank();
    return Path.of(v);
  }
}
