package io.pgconverge.loop;

import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Problem;
import io.pgconverge.host.Aside;
import java.util.List;
import java.util.function.Function;

/**
 * The server's word on the desired state a command enforces ({@link ServerAcceptance}), asked on a
 * thread of its own while the run's first pass observes the host. A new host's {@code postgres
 * -C} of the rendered postgresql.conf (about 25 ms) then overlaps that observation (a replica's
 * probe of its primary, about 60 ms in a fresh JVM) instead of coming before it. Observing changes
 * nothing; the pass waits for the verdict before it plans ({@link Reconciler#run}), so a state the
 * server rejects is neither planned, reported as drift, nor applied.
 */
public final class ServerVerdict {
  /** A state already accepted (the daemon asks before it enforces). */
  public static final ServerVerdict ACCEPTED = new ServerVerdict(Aside.done(List.of()));

  private final Aside<List<Problem>> problems;

  private ServerVerdict(Aside<List<Problem>> problems) {
    this.problems = problems;
  }

  /** Starts asking {@code acceptance} about {@code desired}; {@link #problems} waits for the answer. */
  public static ServerVerdict ask(Function<DesiredState, List<Problem>> acceptance, DesiredState desired) {
    return new ServerVerdict(Aside.start("pgconverge-server-verdict", () -> List.copyOf(acceptance.apply(desired))));
  }

  /** The server's problems with the state, once it has answered (empty: accepted). */
  public List<Problem> problems() {
    return problems.join();
  }

  /** Returns when the server accepted the state; else throws {@link Rejected} with its problems. */
  public void awaitAccepted() {
    List<Problem> found = problems();
    if (!found.isEmpty()) {
      throw new Rejected(found);
    }
  }

  /** The server rejected the state a run was about to plan: nothing of it was planned or applied. */
  public static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<Problem> problems;

    Rejected(List<Problem> problems) {
      super("the server rejects the desired state: " + problems, null, false, false);
      this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
      return problems;
    }
  }
}
