package io.pgconverge.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a password file: its content without the trailing newline. The content never appears in
 * a message; errors name only the file.
 */
public final class SecretProbe {
  private SecretProbe() {}

  public static Secret read(Path file) {
    try {
      String value = Files.readString(file, StandardCharsets.UTF_8);
      value = value.replaceAll("[\\r\\n]+$", "");
      if (value.isEmpty()) {
        return new Secret.Unreadable(file, "the password file is empty");
      }
      if (value.contains("\n")) {
        return new Secret.Unreadable(file, "the password file holds more than one line");
      }
      return new Secret.Readable(file, value);
    } catch (NoSuchFileException e) {
      return new Secret.Unreadable(file, "the password file does not exist");
    } catch (AccessDeniedException e) {
      return new Secret.Unreadable(file, "cannot read the password file: " + io.pgconverge.host.FileAccess.permissionDenied(file));
    } catch (IOException e) {
      return new Secret.Unreadable(file, "cannot read the password file: " + e.getClass().getSimpleName());
    }
  }
}
