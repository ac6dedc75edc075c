package io.pgconverge.failover.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateCache;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.failover.SyncKeyStep;
import io.pgconverge.loop.RoleSource;
import io.pgconverge.plan.SynchronousStandbys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a daemon's run renders on the primary under etcd with method first: exactly the standbys
 * the failover loop chose; before it chose any, the primary's roles are not enforced (a list of
 * every eligible standby would let PostgreSQL make one synchronous that the sync key does not name).
 */
class SynchronousRolesTest {
  @TempDir Path dir;

  private DesiredState load(String self, String method) throws Exception {
    Path file = dir.resolve(self + "-" + method + ".yaml");
    String fixture = new String(SynchronousRolesTest.class.getResourceAsStream("/failover/synchronous-etcd.yaml").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    Files.writeString(file, fixture.replace("@SELF@", self).replace("@METHOD@", method).replace("@DATA@", dir.resolve("main").toString()));
    LoadResult loaded = new DesiredStateCache().load(file, self);
    assertThat(loaded).as("%s", loaded).isInstanceOf(LoadResult.Valid.class);
    return ((LoadResult.Valid) loaded).state();
  }

  private static final Optional<SyncKeyStep.Choice> NODE3 = Optional.of(new SyncKeyStep.Choice(List.of("node3"), false));

  @Test
  void theLeaderRendersExactlyTheChosenStandby() throws Exception {
    RoleSource.Roles roles = FailoverLoop.roles(load("node1", "first"), new FailoverLoop.View(Optional.of("node1"), true, true, false, NODE3));
    assertThat(SynchronousStandbys.of(roles.effective().orElseThrow())).hasValue("FIRST 1 (\"node3\")");
  }

  @Test
  void theLeaderEnforcesNothingUntilTheLoopChoseItsStandbys() throws Exception {
    RoleSource.Roles roles = FailoverLoop.roles(load("node1", "first"), new FailoverLoop.View(Optional.of("node1"), true));
    assertThat(roles.effective()).isEmpty();
    assertThat(roles.reason()).contains("has not chosen the synchronous standbys yet");
  }

  @Test
  void replicasAndMethodAnyAreAsBefore() throws Exception {
    RoleSource.Roles replica = FailoverLoop.roles(load("node2", "first"), new FailoverLoop.View(Optional.of("node1"), false));
    assertThat(replica.effective()).isPresent();
    assertThat(SynchronousStandbys.of(replica.effective().get())).isEmpty();
    RoleSource.Roles any = FailoverLoop.roles(load("node1", "any"), new FailoverLoop.View(Optional.of("node1"), true));
    assertThat(SynchronousStandbys.of(any.effective().orElseThrow())).hasValue("ANY 1 (\"node2\", \"node3\")");
  }
}
