package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfParserTest {

  @Test
  void readsNameEqualsValueWithLineNumbers() throws Exception {
    ConfFile file = ConfParser.parse("# comment\n\nwal_level = replica\nmax_wal_senders=10\n");
    assertThat(file.entries())
        .containsExactly(
            new ConfEntry("wal_level", "replica", 3), new ConfEntry("max_wal_senders", "10", 4));
  }

  @Test
  void acceptsTheEqualsSignAsOptional() throws Exception {
    assertThat(ConfParser.parse("search_path 'x' # c").entries())
        .containsExactly(new ConfEntry("search_path", "x", 1));
  }

  @Test
  void lowerCasesNames() throws Exception {
    assertThat(ConfParser.parse("Search_Path = foo-bar:baz").get("search_path"))
        .hasValueSatisfying(e -> assertThat(e.value()).isEqualTo("foo-bar:baz"));
  }

  @Test
  void keepsDotsInCustomSettingNames() throws Exception {
    assertThat(ConfParser.parse("pg_stat_statements.max = 5").entries().get(0).name())
        .isEqualTo("pg_stat_statements.max");
  }

  @Test
  void unquotesDoubledAndBackslashedQuotes() throws Exception {
    ConfFile file = ConfParser.parse("a = 'it''s'\nb = 'it\\'s'\n");
    assertThat(file.get("a").orElseThrow().value()).isEqualTo("it's");
    assertThat(file.get("b").orElseThrow().value()).isEqualTo("it's");
  }

  @Test
  void resolvesBackslashEscapesAsTheServerDoes() throws Exception {
    ConfFile file = ConfParser.parse("a = 'x\\ty\\101\\\\z\\q'");
    assertThat(file.get("a").orElseThrow().value()).isEqualTo("x\tyA\\zq");
  }

  @Test
  void keepsHashInsideQuotedStrings() throws Exception {
    assertThat(ConfParser.parse("a = 'x # y' # real comment").get("a").orElseThrow().value())
        .isEqualTo("x # y");
  }

  @Test
  void endsBareValuesAtWhitespaceOrHash() throws Exception {
    ConfFile file = ConfParser.parse("a = 152MB# c\nb = -1   # c\nc = 0.5\n");
    assertThat(file.effective().values())
        .extracting(ConfEntry::value)
        .containsExactly("152MB", "-1", "0.5");
  }

  @Test
  void letsTheLastOccurrenceWin() throws Exception {
    ConfFile file = ConfParser.parse("a = 1\nb = 2\na = 3\n");
    assertThat(file.get("a").orElseThrow()).isEqualTo(new ConfEntry("a", "3", 3));
    assertThat(file.effective().keySet()).containsExactly("a", "b");
    assertThat(file.effective().get("a").value()).isEqualTo("3");
    assertThat(file.get("missing")).isEmpty();
  }

  @Test
  void recordsIncludesWithoutFollowingThem() throws Exception {
    ConfFile file =
        ConfParser.parse(
            "include 'a.conf'\ninclude_if_exists = 'b.conf'\ninclude_dir 'conf.d'\nx = 1\n");
    assertThat(file.includes())
        .containsExactly(
            new ConfInclude("include", "a.conf", 1),
            new ConfInclude("include_if_exists", "b.conf", 2),
            new ConfInclude("include_dir", "conf.d", 3));
    assertThat(file.entries()).hasSize(1);
  }

  @Test
  void acceptsWindowsLineEndings() throws Exception {
    assertThat(ConfParser.parse("a = 1\r\nb = 'x'\r\n").get("b").orElseThrow().value())
        .isEqualTo("x");
  }

  @Test
  void rejectsAnUnquotedStarLikeTheServer() {
    assertThatThrownBy(() -> ConfParser.parse("x = 1\nlisten_addresses = *"))
        .isInstanceOf(ConfSyntaxException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("\"*\"")
        .satisfies(e -> assertThat(((ConfSyntaxException) e).line()).isEqualTo(2));
  }

  @Test
  void rejectsAnUnquotedFractionWithUnitLikeTheServer() {
    assertThatThrownBy(() -> ConfParser.parse("shared_buffers = 1.5GB"))
        .isInstanceOf(ConfSyntaxException.class)
        .hasMessageContaining("1.5GB");
  }

  @Test
  void rejectsAnUnquotedPathAndAnUnquotedQualifiedName() {
    assertThatThrownBy(() -> ConfParser.parse("data_directory = /var/x"))
        .isInstanceOf(ConfSyntaxException.class);
    assertThatThrownBy(() -> ConfParser.parse("search_path = a.b"))
        .isInstanceOf(ConfSyntaxException.class);
  }

  @Test
  void rejectsAMissingValueAnUnterminatedStringAndTrailingText() {
    assertThatThrownBy(() -> ConfParser.parse("a =")).hasMessageContaining("missing value");
    assertThatThrownBy(() -> ConfParser.parse("a = 'x")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> ConfParser.parse("a = x y")).hasMessageContaining("\"y\"");
  }

  @Test
  void rejectsANameWithTwoDots() {
    assertThatThrownBy(() -> ConfParser.parse("a.b.c = 5"))
        .isInstanceOf(ConfSyntaxException.class);
  }

  @Test
  void givesBackExactlyTheRenderedValues() throws Exception {
    List<String> awkward =
        List.of(
            "", " ", "*", "it's", "''", "\\", "C:\\dir\\", "back\\'slash", "#not a comment",
            "a b", "localhost,10.0.0.1", "on", "replica", "3", "-1", "0.5", "152MB", "1.5GB",
            "a.b", "/var/lib/postgresql", "host=db1 password='x\\'y'", "tab\there", "line\nbreak",
            "cr\rhere", "ünïcödé", "0x10", "\\101", "%m [%p] ");
    Map<String, String> settings = new LinkedHashMap<>();
    for (int i = 0; i < awkward.size(); i++) {
      settings.put("s" + i, awkward.get(i));
    }
    ConfFile parsed = ConfParser.parse(ConfRenderer.render(List.of("managed"), settings));
    Map<String, String> back = new LinkedHashMap<>();
    parsed.effective().forEach((k, v) -> back.put(k, v.value()));
    assertThat(back).containsExactlyEntriesOf(settings);
  }
}
