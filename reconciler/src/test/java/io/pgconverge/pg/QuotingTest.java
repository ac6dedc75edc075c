package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuotingTest {

  @Test
  void doublesDoubleQuotesInIdentifiers() {
    assertThat(Sql.ident("repl")).isEqualTo("\"repl\"");
    assertThat(Sql.ident("we\"ird")).isEqualTo("\"we\"\"ird\"");
  }

  @Test
  void doublesSingleQuotesInLiteralsAndLeavesBackslashesLiteral() {
    assertThat(Sql.literal("it's")).isEqualTo("'it''s'");
    assertThat(Sql.literal("C:\\x")).isEqualTo("'C:\\x'");
    assertThat(Sql.literal("")).isEqualTo("''");
  }

  @Test
  void refusesNulAndEmptyIdentifiers() {
    assertThatThrownBy(() -> Sql.literal("a\0b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sql.ident("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rendersPlainConninfoValuesBareAndQuotesTheRestWithBackslashEscapes() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("host", "db1");
    params.put("port", "5432");
    params.put("password", "it's\\x");
    assertThat(Conninfo.render(params))
        .isEqualTo("host=db1 port=5432 password='it\\'s\\\\x'");
  }

  @Test
  void parsesWhatItRenders() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("host", "a b");
    params.put("password", "'\\\" =");
    params.put("application_name", "");
    assertThat(Conninfo.parse(Conninfo.render(params))).containsExactlyEntriesOf(params);
  }

  @Test
  void parsesBareQuotedAndSpacedPairs() {
    assertThat(Conninfo.parse("  host=db1 port = 5432 user='repl' sslmode=prefer x=a\\ b"))
        .containsExactly(
            Map.entry("host", "db1"),
            Map.entry("port", "5432"),
            Map.entry("user", "repl"),
            Map.entry("sslmode", "prefer"),
            Map.entry("x", "a b"));
  }

  @Test
  void rejectsMalformedConninfoWithoutEchoingValues() {
    assertThatThrownBy(() -> Conninfo.parse("host"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"host\"");
    assertThatThrownBy(() -> Conninfo.parse("password='hunter2"))
        .hasMessageContaining("unterminated")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void masksPasswordsAndKeepsTheRestAsWritten() {
    assertThat(Conninfo.masked("host=db1  password='se cret' user=repl"))
        .isEqualTo("host=db1  password=******** user=repl");
    assertThat(Conninfo.masked("password=abc")).isEqualTo("password=********");
    assertThat(Conninfo.masked("host=db1")).isEqualTo("host=db1");
  }

  @Test
  void masksEverythingAfterPasswordWhenTheTextIsMalformed() {
    assertThat(Conninfo.masked("host=db1 password='unterminated secret"))
        .isEqualTo("host=db1 password=********")
        .doesNotContain("secret'");
  }
}
