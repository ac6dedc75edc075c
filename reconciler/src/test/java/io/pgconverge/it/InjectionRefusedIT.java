package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A value crafted to change what pgconverge writes (a newline that makes a peer's host a second
 * pg_hba.conf line, an include directive, a role name with SQL after it...) is refused by
 * {@code apply} against a real primary: exit 1, the field named, and pg_hba.conf,
 * postgresql.conf (bytes and mtime), the roles and the loaded configuration stay as they were.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class InjectionRefusedIT {

  /** One hostile edit of the test host's desired state, and the field it must be refused at. */
  record Injection(String name, String field, UnaryOperator<String> edit) {}

  static final List<Injection> INJECTIONS = List.of(
      new Injection("peer host with a trust line after a newline", "peers[0].host",
          y -> y.replace("host: 127.0.0.1", "host: \"127.0.0.1\\nhost all all 0.0.0.0/0 trust\"")),
      new Injection("peer host with a comma and a second address", "peers[0].host",
          y -> y.replace("host: 127.0.0.1", "host: '127.0.0.1,0.0.0.0/0'")),
      new Injection("peer host with a space and a method", "peers[0].host",
          y -> y.replace("host: 127.0.0.1", "host: '127.0.0.1 trust'")),
      new Injection("self with a newline", "self",
          y -> y.replace("self: 'node1'", "self: \"node1\\nhost all all 0.0.0.0/0 trust\"")),
      new Injection("cluster name with a setting after a newline", "cluster",
          y -> y.replace("cluster: 'itcluster'", "cluster: \"itcluster\\nlisten_addresses = '*'\"")),
      new Injection("include_dir in settings", "postgres.settings.include_dir",
          y -> y.replace("  settings:\n", "  settings:\n    include_dir: '/tmp'\n")),
      new Injection("include in settings", "postgres.settings.include",
          y -> y.replace("  settings:\n", "  settings:\n    include: '/etc/passwd'\n")),
      new Injection("a setting value with a second setting after a newline", "postgres.settings.work_mem",
          y -> y.replace("  settings:\n", "  settings:\n    work_mem: \"4MB\\nfsync = off\"\n")),
      new Injection("an hba line with a trust line after a newline", "postgres.hba[0]",
          y -> y.replace("  hba:\n", "  hba:\n    - \"local all postgres peer\\nhost all all 0.0.0.0/0 trust\"\n")),
      new Injection("an hba line with a carriage return", "postgres.hba[0]",
          y -> y.replace("  hba:\n", "  hba:\n    - \"local all postgres peer\\rhost all all 0.0.0.0/0 trust\"\n")),
      new Injection("a role name with SQL after a newline", "roles[",
          y -> y.replace("name: 'app'", "name: \"app\\n; ALTER ROLE postgres PASSWORD NULL; --\"")),
      new Injection("a reserved role name", "roles[",
          y -> y.replace("name: 'app'", "name: 'pg_app'")),
      new Injection("a replication user in the reserved pg_ names", "replication.user",
          y -> y.replace("{user: 'replicator'", "{user: 'pg_replicator'")),
      new Injection("postgres.user root", "postgres.user",
          y -> y.replaceFirst("  user: '[a-z]+'", "  user: 'root'")),
      new Injection("initdb told another data directory", "postgres.initdb[0]",
          y -> y.replace("  settings:\n", "  initdb: [-D, /tmp/elsewhere]\n  settings:\n")),
      new Injection("initdb told trust authentication", "postgres.initdb[0]",
          y -> y.replace("  settings:\n", "  initdb: [--auth=trust]\n  settings:\n")),
      new Injection("a socket directory list", "postgres.socket_directory",
          y -> y.replaceFirst("(  socket_directory: ')([^']+)'", "$1$2,/tmp'")),
      new Injection("a data directory with a newline", "postgres.data",
          y -> y.replaceFirst("(  data: ')([^']+)'", "  data: \"$2\\\\ndata_directory = '/'\"")),
      new Injection("a password file with a NUL", "roles[",
          y -> y.replaceFirst("(password_file: ')([^']+app[^']*)'", "password_file: \"$2\\\\0\"")));

  @Test
  void everyInjectionIsRefusedAndTouchesNothing() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      String valid = TestHost.read(host.desiredStateFile());
      FileState hba = FileState.of(host.hbaConf());
      FileState conf = FileState.of(host.postgresqlConf());
      String roles = roles(psql);
      String loaded = psql.query("select pg_conf_load_time()");

      for (Injection injection : INJECTIONS) {
        String hostile = injection.edit().apply(valid);
        assertThat(hostile).as("the edit '%s' changes the file", injection.name()).isNotEqualTo(valid);
        host.writeDesired(hostile);

        ProcessResult apply = cli.apply().assertExit(1);

        assertThat(apply.output()).as(injection.name() + "\n" + apply.describe())
            .contains(": " + injection.field())
            .doesNotContain("Exception");
        assertThat(FileState.of(host.hbaConf())).as(injection.name()).isEqualTo(hba);
        assertThat(FileState.of(host.postgresqlConf())).as(injection.name()).isEqualTo(conf);
        assertThat(roles(psql)).as(injection.name()).isEqualTo(roles);
      }
      assertThat(psql.query("select pg_conf_load_time()")).as("no reload").isEqualTo(loaded);
      assertThat(psql.query("select count(*) from pg_hba_file_rules where 'trust' = auth_method")).isEqualTo("0");

      host.writeDesired(valid);
      cli.check().assertExit(0);
    }
  }

  /** Each role with its attributes and password verifier, as pg_authid has them. */
  static String roles(Psql psql) {
    return psql.query("select string_agg(rolname || ' ' || rolcanlogin || rolreplication || rolsuper || rolcreatedb"
        + " || rolcreaterole || ' ' || rolconnlimit || ' ' || md5(coalesce(rolpassword, '')), ', ' order by rolname)"
        + " from pg_authid");
  }
}
