package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HbaLineTest {

  @Test
  void parsesAHostReplicationLineWithCidr() throws Exception {
    HbaLine line = HbaLine.parse("host replication repl 10.0.0.0/24 scram-sha-256");
    assertThat(line)
        .isEqualTo(
            new HbaLine("host", List.of("replication"), List.of("repl"),
                Optional.of("10.0.0.0/24"), Optional.empty(), "scram-sha-256", List.of()));
  }

  @Test
  void parsesALocalLineWithoutAddress() throws Exception {
    HbaLine line = HbaLine.parse("local   all   postgres   peer  # admin");
    assertThat(line.address()).isEmpty();
    assertThat(line.method()).isEqualTo("peer");
  }

  @Test
  void parsesAnIpWithASeparateNetmask() throws Exception {
    HbaLine line = HbaLine.parse("host all all 192.168.1.0 255.255.255.0 md5");
    assertThat(line.address()).contains("192.168.1.0");
    assertThat(line.mask()).contains("255.255.255.0");
  }

  @Test
  void acceptsIpv6HostnamesAndAddressKeywords() throws Exception {
    assertThat(HbaLine.parse("host all all ::1/128 trust").address()).contains("::1/128");
    assertThat(HbaLine.parse("host all all fe80::1:2/64 trust").address()).isPresent();
    assertThat(HbaLine.parse("hostssl all all .example.com cert").address())
        .contains(".example.com");
    for (String kw : List.of("all", "samehost", "samenet", "peers")) {
      assertThat(HbaLine.parse("host all all " + kw + " md5").address()).contains(kw);
    }
  }

  @Test
  void readsCommaSeparatedQuotedAndGroupLists() throws Exception {
    HbaLine line = HbaLine.parse("host db1,\"my db\",\"all\" +admins,@users.txt samenet md5");
    assertThat(line.databases()).containsExactly("db1", "\"my db\"", "\"all\"");
    assertThat(line.users()).containsExactly("+admins", "@users.txt");
  }

  @Test
  void dropsNeedlessQuotes() throws Exception {
    assertThat(HbaLine.parse("local \"mydb\" all trust").databases()).containsExactly("mydb");
  }

  @Test
  void keepsOptionsAfterTheMethod() throws Exception {
    HbaLine line = HbaLine.parse("host all all 0.0.0.0/0 ldap ldapserver=ldap.example.com ldapport=389");
    assertThat(line.options()).containsExactly("ldapserver=ldap.example.com", "ldapport=389");
  }

  @Test
  void rendersAlignedAndReparsesToAnEqualRecord() throws Exception {
    List<String> texts =
        List.of(
            "host replication repl 10.0.0.0/24 scram-sha-256",
            "local all postgres peer",
            "host all all 192.168.1.0 255.255.255.0 md5",
            "host db1,\"my db\",\"all\" +admins,@f a_very_long_hostname.example.com md5",
            "hostssl all all ::1/128 cert clientcert=verify-full",
            "host all \"we\"\"ird\" peers scram-sha-256");
    for (String text : texts) {
      HbaLine line = HbaLine.parse(text);
      String rendered = line.render();
      assertThat(HbaLine.parse(rendered)).as(rendered).isEqualTo(line);
      assertThat(rendered).doesNotEndWith(" ");
      assertThat(line.render()).isEqualTo(rendered);
    }
    assertThat(HbaLine.parse("host replication repl 10.0.0.0/24 scram-sha-256").render())
        .isEqualTo(
            "host    replication     repl            10.0.0.0/24             scram-sha-256");
  }

  @Test
  void replacesTheAddressAndDropsTheMask() throws Exception {
    HbaLine line = HbaLine.parse("host all all 10.0.0.1 255.255.255.255 md5").withAddress("10.1.1.1/32");
    assertThat(line.address()).contains("10.1.1.1/32");
    assertThat(line.mask()).isEmpty();
  }

  @Test
  void namesAnUnknownMethodAndListsTheKnownOnes() {
    assertThatThrownBy(() -> HbaLine.parse("host all all 10.0.0.0/8 scram"))
        .isInstanceOf(HbaSyntaxException.class)
        .hasMessageStartingWith(
            "unknown authentication method \"scram\"; expected one of trust, reject, scram-sha-256")
        .satisfies(e -> assertThat(((HbaSyntaxException) e).column()).isEqualTo(25));
  }

  @Test
  void namesAnUnknownConnectionType() {
    assertThatThrownBy(() -> HbaLine.parse("hots all all 10.0.0.0/8 md5"))
        .hasMessageContaining("\"hots\"")
        .satisfies(e -> assertThat(((HbaSyntaxException) e).column()).isEqualTo(1));
  }

  @Test
  void rejectsAnOctetAboveTwoHundredFiftyFive() {
    assertThatThrownBy(() -> HbaLine.parse("host all all 10.0.0.300/24 md5"))
        .hasMessageContaining("\"10.0.0.300\"")
        .satisfies(e -> assertThat(((HbaSyntaxException) e).column()).isEqualTo(14));
  }

  @Test
  void rejectsAPrefixLengthAboveThirtyTwo() {
    assertThatThrownBy(() -> HbaLine.parse("host all all 10.0.0.0/33 md5"))
        .hasMessageContaining("10.0.0.0/33")
        .hasMessageContaining("0-32");
  }

  @Test
  void explainsThatLocalLinesHaveNoAddress() {
    assertThatThrownBy(() -> HbaLine.parse("local all all 127.0.0.1/32 trust"))
        .hasMessageContaining("\"127.0.0.1/32\"")
        .hasMessageContaining("\"local\" lines have no address column");
  }

  @Test
  void reportsMissingColumns() {
    assertThatThrownBy(() -> HbaLine.parse("host all all")).hasMessageContaining("address");
    assertThatThrownBy(() -> HbaLine.parse("host all all 10.0.0.0/8"))
        .hasMessageContaining("authentication method");
    assertThatThrownBy(() -> HbaLine.parse("local all")).hasMessageContaining("user");
    assertThatThrownBy(() -> HbaLine.parse("   # only a comment")).hasMessageContaining("empty");
  }

  @Test
  void requiresANetmaskAfterABareIp() {
    assertThatThrownBy(() -> HbaLine.parse("host all all 10.0.0.1 md5"))
        .hasMessageContaining("netmask");
  }

  @Test
  void rejectsOptionsNotInNameValueForm() {
    assertThatThrownBy(() -> HbaLine.parse("host all all 10.0.0.0/8 md5 extra"))
        .hasMessageContaining("name=value")
        .hasMessageContaining("\"extra\"");
  }

  @Test
  void rejectsMethodsTheServerRejectsForTheType() {
    assertThatThrownBy(() -> HbaLine.parse("host all all 10.0.0.0/8 peer"))
        .hasMessageContaining("only supported on local sockets");
    assertThatThrownBy(() -> HbaLine.parse("host all all 10.0.0.0/8 cert"))
        .hasMessageContaining("hostssl");
  }

  @Test
  void rejectsAnUnterminatedQuote() {
    assertThatThrownBy(() -> HbaLine.parse("local \"all all trust"))
        .hasMessageContaining("unterminated");
  }

  @Test
  void matchesLocalConnectionsByAllSameuserAndName() throws Exception {
    assertThat(HbaLine.parse("local all all peer").matchesLocal("db", "bob")).isTrue();
    assertThat(HbaLine.parse("local sameuser bob peer").matchesLocal("bob", "bob")).isTrue();
    assertThat(HbaLine.parse("local sameuser bob peer").matchesLocal("db", "bob")).isFalse();
    assertThat(HbaLine.parse("local db1,db2 postgres peer").matchesLocal("db2", "postgres"))
        .isTrue();
    assertThat(HbaLine.parse("local db1 postgres peer").matchesLocal("db3", "postgres")).isFalse();
  }

  @Test
  void doesNotCountGroupsFilesOrQuotedKeywordsAsLocalMatches() throws Exception {
    assertThat(HbaLine.parse("local all +admins peer").matchesLocal("db", "bob")).isFalse();
    assertThat(HbaLine.parse("local all @users peer").matchesLocal("db", "bob")).isFalse();
    assertThat(HbaLine.parse("local \"all\" bob peer").matchesLocal("db", "bob")).isFalse();
    assertThat(HbaLine.parse("local \"all\" bob peer").matchesLocal("all", "bob")).isTrue();
    assertThat(HbaLine.parse("local replication all peer").matchesLocal("postgres", "bob"))
        .isFalse();
  }

  @Test
  void neverMatchesLocalForHostLines() throws Exception {
    assertThat(HbaLine.parse("host all all all md5").matchesLocal("db", "bob")).isFalse();
  }
}
