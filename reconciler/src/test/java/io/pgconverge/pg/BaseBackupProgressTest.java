package io.pgconverge.pg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** pg_basebackup --progress reports, as PostgreSQL 15 writes them to a file. */
class BaseBackupProgressTest {
  @Test
  void readsBytesCopiedAndTheEstimatedTotal() {
    assertThat(BaseBackupProgress.parse("    81234/1164342 kB (6%), 0/1 tablespace"))
        .contains(new BaseBackupProgress(81234L * 1024, 1164342L * 1024));
    assertThat(BaseBackupProgress.parse("1164342/1164342 kB (100%), 1/1 tablespace").orElseThrow().percent()).isEqualTo(100);
  }

  @Test
  void readsAVerboseReportWithAFileNameAndSeveralTablespaces() {
    assertThat(BaseBackupProgress.parse("22/300 kB (7%), 1/2 tablespaces (/var/lib/postgresql/15/main/base/1/1259)"))
        .contains(new BaseBackupProgress(22L * 1024, 300L * 1024));
  }

  @Test
  void ignoresNoticesAndErrors() {
    assertThat(BaseBackupProgress.parse("pg_basebackup: initiating base backup, waiting for checkpoint to complete")).isEmpty();
    assertThat(BaseBackupProgress.parse("pg_basebackup: error: connection to server failed")).isEmpty();
    assertThat(BaseBackupProgress.isProgress("pg_basebackup: base backup completed")).isFalse();
  }
}
