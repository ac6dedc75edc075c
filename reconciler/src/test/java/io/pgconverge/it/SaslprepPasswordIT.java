package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.util.PasswordUtil;

/**
 * Passwords that PostgreSQL's clients normalise with SASLprep before hashing (RFC 4013: NFKC,
 * non-ASCII spaces to a space, soft hyphens dropped) are stored so that psql logs in with them,
 * and the verifier the server or pgjdbc makes for them is recognised as the same password.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SaslprepPasswordIT {
  private static final String VERIFIERS =
      "select string_agg(rolpassword, ',' order by rolname) from pg_authid where rolname in ('numeral', 'nbsp', 'shy')";

  /** Role name → password: ASCII, non-ASCII that SASLprep keeps, and three that SASLprep changes. */
  private static Map<String, String> passwords() {
    String r = TestHost.randomPassword();
    Map<String, String> p = new LinkedHashMap<>();
    p.put("ascii", "plain-" + r);
    p.put("umlaut", "gr\u00fc\u00dfe-" + r);
    p.put("numeral", "pa\u00dfwort\u2163-" + r); // U+2163 ROMAN NUMERAL FOUR: NFKC makes it "IV"
    p.put("nbsp", "no\u00a0break-" + r); // U+00A0 NO-BREAK SPACE: a plain space
    p.put("shy", "soft\u00adhyphen-" + r); // U+00AD SOFT HYPHEN: mapped to nothing
    return p;
  }

  /** Lists a login role per password in the host's desired state, each with its password file. */
  private static Map<String, String> listRolesWithTheirPasswords(TestHost host) {
    Map<String, String> passwords = passwords();
    passwords.forEach((role, password) -> {
      host.writePassword(role, password);
      host.desired().role(role).set("login", true).set("password_file", host.passwordFile(role));
    });
    host.writeDesired();
    return passwords;
  }

  @Test
  void rolesWithAsciiNonAsciiAndSaslprepChangedPasswordsLogInOverTcpWithPsqlAndCheckFindsNoDrift() {
    try (TestHost host = TestHost.create()) {
      Map<String, String> passwords = listRolesWithTheirPasswords(host);
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);

      cli.apply().assertExit(2);

      passwords.forEach((role, password) ->
          assertThat(psql.canLogInWithPassfile(role, password)).as("psql logs in as %s", role).isTrue());
      assertThat(psql.canLogInWithPassfile("numeral", passwords.get("numeral").replace("\u2163", "IV")))
          .as("the SASLprep form is the same password").isTrue();
      assertThat(psql.canLogInWithPassfile("numeral", passwords.get("ascii"))).as("a wrong password").isFalse();
      ProcessResult check = cli.check().assertExit(0);
      assertThat(check.driftLines()).as(check.describe()).isEmpty();
      cli.apply().assertExit(0);
    }
  }

  @Test
  void aVerifierMadeByPgjdbcForTheSamePasswordIsNotDrift() {
    try (TestHost host = TestHost.create()) {
      Map<String, String> passwords = listRolesWithTheirPasswords(host);
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      cli.apply().assertExit(2);
      String before = psql.query(VERIFIERS);

      for (String role : new String[] {"numeral", "nbsp", "shy"}) {
        // the verifier, never the password, goes on psql's command line
        psql.query("ALTER ROLE " + role + " PASSWORD '" + PasswordUtil.encodeScramSha256(passwords.get(role).toCharArray()) + "'");
      }
      String pgjdbc = psql.query(VERIFIERS);
      assertThat(pgjdbc).isNotEqualTo(before);

      cli.check().assertExit(0);
      cli.apply().assertExit(0);
      assertThat(psql.query(VERIFIERS))
          .as("left as pgjdbc made them").isEqualTo(pgjdbc);
      passwords.forEach((role, password) ->
          assertThat(psql.canLogInWithPassfile(role, password)).as("psql logs in as %s", role).isTrue());
    }
  }
}
