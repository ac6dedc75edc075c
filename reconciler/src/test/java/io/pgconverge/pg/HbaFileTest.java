package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HbaFileTest {

  @Test
  void skipsCommentsAndBlankLines() throws Exception {
    List<HbaLine> lines =
        HbaFile.parse(
            "# TYPE DATABASE USER ADDRESS METHOD\n\nlocal all postgres peer\r\n"
                + "   # indented comment\nhost replication repl 10.0.0.2/32 scram-sha-256\n");
    assertThat(lines).extracting(HbaLine::type).containsExactly("local", "host");
  }

  @Test
  void joinsLinesEndingInABackslash() throws Exception {
    List<HbaLine> lines = HbaFile.parse("host all all \\\n 10.0.0.0/8 md5\n");
    assertThat(lines).singleElement().satisfies(l -> assertThat(l.method()).isEqualTo("md5"));
  }

  @Test
  void reportsTheLineAndColumnOfABadLine() {
    assertThatThrownBy(() -> HbaFile.parse("local all all peer\n\nhost all all 10.0.0.0/8 scram\n"))
        .isInstanceOf(HbaFileSyntaxException.class)
        .hasMessageStartingWith("line 3, column 25: unknown authentication method \"scram\"")
        .satisfies(
            e -> {
              assertThat(((HbaFileSyntaxException) e).line()).isEqualTo(3);
              assertThat(((HbaFileSyntaxException) e).column()).isEqualTo(25);
            });
  }
}
