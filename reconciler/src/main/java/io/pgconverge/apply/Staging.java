package io.pgconverge.apply;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The staging directory beside PGDATA where a new cluster is built ({@code .<name>.pgconverge-new}).
 * Only a directory of exactly that name, made by pgconverge, is ever deleted; PGDATA never is.
 */
public final class Staging {
  private Staging() {}

  public static Path beside(Path data) {
    return data.toAbsolutePath().getParent().resolve("." + data.getFileName() + ".pgconverge-new");
  }

  /** Removes a leftover staging directory; returns true when there was one. */
  public static boolean removeLeftover(Path data) throws IOException {
    Path staging = beside(data);
    if (!Files.exists(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    deleteTree(staging);
    return true;
  }

  static void deleteTree(Path root) throws IOException {
    if (!root.getFileName().toString().endsWith(".pgconverge-new")) {
      throw new IllegalArgumentException("refusing to delete " + root + ": not a pgconverge staging directory");
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
