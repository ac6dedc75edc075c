package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplicationSlotsTest {
  @Test
  void aPeersSlotIsPgcAndItsNameLowerCasedWithOnlyLettersDigitsAndUnderscores() {
    assertThat(ReplicationSlots.forPeer("Node-2.east")).isEqualTo("pgc_node_2_east");
    assertThat(ReplicationSlots.forPeer("node3")).isEqualTo("pgc_node3");
  }

  @Test
  void onlyItsOwnPrefixIsManaged() {
    assertThat(ReplicationSlots.isManaged(ReplicationSlots.forPeer("node2"))).isTrue();
    assertThat(ReplicationSlots.isManaged("backup_tool")).isFalse();
    assertThat(ReplicationSlots.isManaged("pg_node2")).isFalse();
  }
}
