package io.pgconverge.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Says why this process cannot read a path, in the words a DBA needs to fix it: which user, which
 * path on the way blocks it, its mode and owner. Reads file attributes only; has no side effects.
 */
public final class FileAccess {
  private FileAccess() {}

  /** The OS user this process runs as. */
  public static String user() {
    return System.getProperty("user.name", "?");
  }

  /**
   * Why user {@link #user()} cannot read {@code target} (a file, or a directory to list): the
   * first directory on the way it may not enter, else the target it may not read. Empty when
   * nothing on the way denies it (the failure lies elsewhere).
   */
  public static Optional<String> denial(Path target) {
    Path abs = target.toAbsolutePath().normalize();
    java.util.ArrayDeque<Path> ancestors = new java.util.ArrayDeque<>();
    for (Path p = abs.getParent(); p != null; p = p.getParent()) {
      ancestors.addFirst(p);
    }
    for (Path dir : ancestors) {
      if (!Files.exists(dir)) {
        return Optional.empty();
      }
      if (!Files.isExecutable(dir)) {
        return Optional.of(describe(dir, "may not enter the directory"));
      }
    }
    if (Files.isDirectory(abs) && !(Files.isReadable(abs) && Files.isExecutable(abs))) {
      return Optional.of(describe(abs, "may not list the directory"));
    }
    if (Files.exists(abs) && !Files.isReadable(abs)) {
      return Optional.of(describe(abs, "may not read"));
    }
    return Optional.empty();
  }

  /** "permission denied: user postgres may not read /x (mode 0600, owner root:root)", or a plain line when nothing explains it. */
  public static String permissionDenied(Path target) {
    return "permission denied: " + denial(target).orElse("user " + user() + " may not read " + target.toAbsolutePath().normalize());
  }

  private static String describe(Path p, String what) {
    String attrs;
    try {
      PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      attrs = " (mode " + PosixFilePermissions.toString(a.permissions()) + ", owner " + a.owner().getName() + ":"
          + a.group().getName() + ")";
    } catch (IOException | UnsupportedOperationException e) {
      attrs = "";
    }
    return "user " + user() + " " + what + " " + p + attrs;
  }
}
