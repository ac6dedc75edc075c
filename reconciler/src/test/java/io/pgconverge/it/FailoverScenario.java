package io.pgconverge.it;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * What every failover scenario class shares: one {@link FailoverLab} formed before its first test
 * (formation takes time) and closed after its last, also when one fails; tests run in their
 * {@code @Order}, each leaving the cluster healthy for the next.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
abstract class FailoverScenario {
  FailoverLab lab;
  Cluster cluster;

  /** Changes the desired state before any daemon starts; nothing by default. */
  void configure(FailoverLab lab) {}

  @BeforeAll
  void formed() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    lab = FailoverLab.form(this::configure).orElse(null);
    Assumptions.assumeTrue(lab != null, "needs network namespaces");
    cluster = lab.cluster();
  }

  @AfterAll
  void removed() {
    if (lab != null) {
      lab.close();
    }
  }
}
