package io.pgconverge.desired;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoleAttributeTest {
  @Test
  void falseIsTheNoFormOfTheKeyword() {
    assertThat(RoleAttribute.LOGIN.clause(false)).isEqualTo("NOLOGIN");
    assertThat(RoleAttribute.CREATEROLE.clause(true)).isEqualTo("CREATEROLE");
  }

  @Test
  void createNamesOnlyTheListedAttributesThenTheConnectionLimit() {
    RoleSpec spec = new RoleSpec(0, "app", Optional.of(true), Optional.empty(), Optional.of(false), Optional.empty(),
        Optional.of(true), Optional.of(20), Optional.empty());
    assertThat(RoleAttribute.createClauses(spec)).containsExactly("LOGIN", "NOSUPERUSER", "CREATEROLE", "CONNECTION LIMIT 20");
  }
}
