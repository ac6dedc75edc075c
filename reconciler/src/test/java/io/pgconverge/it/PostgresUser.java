package io.pgconverge.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;

/**
 * The OS user that owns test data directories and runs test servers. {@code initdb}, {@code
 * pg_ctl} and {@code postgres} refuse root, so when the tests run as root (as in CI) every such
 * command is wrapped in {@code runuser -u postgres --}; when they already run as that user the
 * command runs as is.
 */
public final class PostgresUser {
  /** The OS user name, {@code postgres} unless {@code -Dpgconverge.it.user} says otherwise. */
  public static final String NAME = System.getProperty("pgconverge.it.user", "postgres");

  private PostgresUser() {}

  public static boolean testsRunAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** {@code argv} as it must be run to execute as {@link #NAME}. Has no side effects. */
  public static List<String> command(List<String> argv) {
    if (!testsRunAsRoot()) {
      return List.copyOf(argv);
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", NAME, "--"));
    wrapped.addAll(argv);
    return wrapped;
  }

  /** Makes {@link #NAME} (and its primary group) own {@code path}; a no-op unless root. */
  public static void chown(Path path) throws IOException {
    if (!testsRunAsRoot()) {
      return;
    }
    UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    view.setOwner(lookup.lookupPrincipalByName(NAME));
    GroupPrincipal group = lookup.lookupPrincipalByGroupName(NAME);
    view.setGroup(group);
  }
}
