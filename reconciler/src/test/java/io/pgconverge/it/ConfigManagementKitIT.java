package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The config-management kit under {@code contrib/}, run as an operator runs it against this host:
 * the Ansible role with Debian's ansible-core ({@code ansible-playbook -c local}) and the Puppet
 * class with Debian's puppet ({@code puppet apply}). Each converges a fresh host, changes nothing
 * on its second run, has a running daemon converge a pushed change, and fails when pgconverge
 * refuses. Under {@code CI=true} a missing tool fails the test instead of skipping it.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ConfigManagementKitIT {
  private static final Path CONTRIB = Path.of("..", "contrib").toAbsolutePath().normalize();
  private static final Duration RUN = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static void requireTool(String tool) {
    boolean present = Files.isExecutable(Path.of("/usr/bin", tool));
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as("/usr/bin/" + tool + " (.ci/run installs it)").isTrue();
    }
    Assumptions.assumeTrue(present, "/usr/bin/" + tool + " is not installed (apt-get install ansible-core puppet)");
  }

  /** A {@code pgconverge} command for the kit: the jar under test. */
  private static Path wrapper(TestHost host) throws IOException {
    Path w = host.dir().resolve("pgconverge");
    Files.writeString(w, "#!/bin/sh\nexec '" + String.join("' '", Cli.command(List.of())) + "' \"$@\"\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
    return w;
  }

  private static Path privateFile(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  private static List<String> statusArgs(TestHost host) {
    return List.of("--status-file", DaemonProcess.statusFile(host).toString(), "--metrics-file", DaemonProcess.metricsFile(host).toString());
  }

  // ---- Ansible ----

  private static ProcessResult play(TestHost host) throws IOException {
    Path work = Files.createDirectories(host.dir().resolve("ansible"));
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("pgconverge_desired_state", new YAMLMapper().readValue(host.desired().render(), Map.class));
    vars.put("pgconverge_password_files", Map.of(host.passwordFile("replicator").toString(), host.password("replicator"),
        host.passwordFile("app").toString(), host.password("app")));
    vars.put("pgconverge_self", "node1");
    vars.put("pgconverge_command", wrapper(host).toString());
    vars.put("pgconverge_config_dir", host.dir().resolve("etc").toString());
    vars.put("pgconverge_desired_state_file", host.desiredStateFile().toString());
    vars.put("pgconverge_apply_timeout", 60);
    vars.put("pgconverge_apply_args", statusArgs(host));
    Path varsFile = privateFile(work.resolve("vars.json"), JSON.writeValueAsString(vars));
    Path playbook = privateFile(work.resolve("play.yml"),
        "- hosts: localhost\n  gather_facts: false\n  roles:\n    - pgconverge\n");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOME", work.toString());
    env.put("ANSIBLE_ROLES_PATH", CONTRIB.resolve("ansible/roles").toString());
    env.put("ANSIBLE_LOCAL_TEMP", work.resolve("tmp").toString());
    env.put("ANSIBLE_REMOTE_TEMP", work.resolve("tmp").toString());
    env.put("ANSIBLE_NOCOLOR", "1");
    env.put("ANSIBLE_RETRY_FILES_ENABLED", "0");
    env.put("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3");
    return Processes.run(List.of("/usr/bin/ansible-playbook", "-v", "-i", "localhost,", "-c", "local", "-e", "@" + varsFile,
        playbook.toString()), env, RUN);
  }

  private static int recap(ProcessResult r, String counter) {
    Matcher m = Pattern.compile("localhost\\s*:.*\\b" + counter + "=(\\d+)").matcher(r.stdout());
    assertThat(m.find()).as("PLAY RECAP with " + counter + " in\n" + r.describe()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static void assertNoSecret(TestHost host, ProcessResult r) {
    for (String s : host.secrets()) {
      assertThat(r.output()).as("a password in the output").doesNotContain(s);
    }
  }

  @Test
  void ansibleRoleConvergesTheHostChangesNothingTheSecondTimeHasTheDaemonConvergeAndFailsOnARefusal() throws Exception {
    requireTool("ansible-playbook");
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 1h}");
      ProcessResult first = play(host);
      assertNoSecret(host, first);
      assertThat(first.exitCode()).as(first.describe()).isZero();
      assertThat(recap(first, "changed")).isPositive();
      assertThat(new Psql(host).query("SELECT rolname FROM pg_roles WHERE rolname = 'replicator'")).isEqualTo("replicator");
      assertThat(Files.getPosixFilePermissions(host.passwordFile("replicator"))).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
      assertThat(Files.getPosixFilePermissions(host.desiredStateFile())).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));

      ProcessResult second = play(host);
      assertThat(second.exitCode()).as(second.describe()).isZero();
      assertThat(recap(second, "changed")).as(second.describe()).isZero();

      try (DaemonProcess d = DaemonProcess.start(host)) {
        d.awaitStatus(s -> s.path("success").asBoolean(), Duration.ofSeconds(60));
        host.desired().setting("work_mem", "16MB");
        ProcessResult pushed = play(host);
        assertNoSecret(host, pushed);
        assertThat(pushed.exitCode()).as(pushed.describe()).isZero();
        assertThat(pushed.stdout()).contains("run_by=daemon");
        assertThat(new Psql(host).show("work_mem")).isEqualTo("16MB");
        assertThat(recap(play(host), "changed")).isZero();
      }
    }
    try (TestHost foreign = TestHost.create()) {
      Files.writeString(foreign.makeDataDirectory().resolve("notes.txt"), "not a cluster\n");
      ProcessResult refused = play(foreign);
      assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
      assertThat(recap(refused, "failed")).isEqualTo(1);
      assertThat(refused.stdout()).contains("refusing to touch it");
    }
  }

  // ---- Puppet ----

  private static String puppetString(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private static ProcessResult puppetApply(TestHost host) throws IOException {
    Path work = Files.createDirectories(host.dir().resolve("puppet"));
    StringBuilder args = new StringBuilder();
    for (String a : statusArgs(host)) {
      args.append(args.length() == 0 ? "" : ", ").append(puppetString(a));
    }
    String manifest = "class { 'pgconverge':\n"
        + "  desired_state => " + puppetString(host.desired().render()) + ",\n"
        + "  password_files => {\n"
        + "    " + puppetString(host.passwordFile("replicator").toString()) + " => Sensitive(" + puppetString(host.password("replicator")) + "),\n"
        + "    " + puppetString(host.passwordFile("app").toString()) + " => Sensitive(" + puppetString(host.password("app")) + "),\n"
        + "  },\n"
        + "  self => 'node1',\n"
        + "  command => " + puppetString(wrapper(host).toString()) + ",\n"
        + "  config_dir => " + puppetString(host.dir().resolve("etc").toString()) + ",\n"
        + "  desired_state_file => " + puppetString(host.desiredStateFile().toString()) + ",\n"
        + "  apply_args => [" + args + "],\n"
        + "}\n";
    Path site = privateFile(work.resolve("site.pp"), manifest);
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/puppet", "apply", "--detailed-exitcodes", "--color=false",
        "--modulepath", CONTRIB.resolve("puppet").toString()));
    for (String dir : List.of("confdir", "vardir", "codedir", "logdir", "rundir", "publicdir")) {
      cmd.add("--" + dir);
      cmd.add(work.resolve(dir).toString());
    }
    cmd.add(site.toString());
    return Processes.run(cmd, Map.of("HOME", work.toString()), RUN);
  }

  @Test
  void puppetClassConvergesTheHostChangesNothingTheSecondTimeAndFailsOnARefusal() throws Exception {
    requireTool("puppet");
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 1h}");
      ProcessResult first = puppetApply(host);
      assertNoSecret(host, first);
      assertThat(first.exitCode()).as("--detailed-exitcodes: 2 = changes, no failures\n" + first.describe()).isEqualTo(2);
      assertThat(new Psql(host).query("SELECT rolname FROM pg_roles WHERE rolname = 'replicator'")).isEqualTo("replicator");
      assertThat(Files.getPosixFilePermissions(host.passwordFile("app"))).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));

      ProcessResult second = puppetApply(host);
      assertThat(second.exitCode()).as("--detailed-exitcodes: 0 = no resources changed\n" + second.describe()).isZero();

      try (DaemonProcess d = DaemonProcess.start(host)) {
        d.awaitStatus(s -> s.path("success").asBoolean(), Duration.ofSeconds(60));
        host.desired().setting("work_mem", "20MB");
        ProcessResult pushed = puppetApply(host);
        assertNoSecret(host, pushed);
        assertThat(pushed.exitCode()).as(pushed.describe()).isEqualTo(2);
        assertThat(pushed.output()).contains("run_by=daemon");
        assertThat(new Psql(host).show("work_mem")).isEqualTo("20MB");
      }
    }
    try (TestHost foreign = TestHost.create()) {
      Files.writeString(foreign.makeDataDirectory().resolve("notes.txt"), "not a cluster\n");
      ProcessResult refused = puppetApply(foreign);
      assertThat(refused.exitCode()).as("--detailed-exitcodes: 4 or 6 = failures\n" + refused.describe()).isIn(4, 6);
      assertThat(refused.output()).contains("refusing to touch it");
    }
  }
}
