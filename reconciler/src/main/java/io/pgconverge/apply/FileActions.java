package io.pgconverge.apply;

import io.pgconverge.host.Commands;
import io.pgconverge.host.FilePort;
import io.pgconverge.pg.Passfile;
import io.pgconverge.pg.Rewind;
import io.pgconverge.plan.Action;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The actions on managed files: the passfile and the config files, each replaced whole through the
 * file-writer port (mode 0600), standby.signal removed through it, and the server binary's judgement of a new postgresql.conf before
 * it is written ({@code postgres -C} through the command runner).
 */
final class FileActions {
  private final FilePort files;
  private final Commands commands;
  private final IntFunction<String> fieldOfConfLine;

  /**
   * @param fieldOfConfLine names the desired-state field behind a line of the rendered
   *     postgresql.conf, so the server's complaint can point at what the user wrote
   */
  FileActions(FilePort files, Commands commands, IntFunction<String> fieldOfConfLine) {
    this.files = files;
    this.commands = commands;
    this.fieldOfConfLine = fieldOfConfLine;
  }

  void register(ActionHandlers handlers) {
    handlers.on(Action.WritePassfile.class, this::writePassfile)
        .on(Action.WriteFile.class, this::writeFile)
        .on(Action.RemoveFile.class, this::removeFile)
        .on(Action.ValidateConfig.class, this::validate);
  }

  private String writePassfile(Action.WritePassfile a) throws IOException {
    write(a.path(), Passfile.render(a.host(), a.port(), List.of(a.user(), Rewind.ROLE), a.password().value()));
    return "wrote " + a.path() + " (mode 0600)";
  }

  private String writeFile(Action.WriteFile a) throws IOException {
    write(a.path(), a.content());
    return "wrote " + a.path();
  }

  private String removeFile(Action.RemoveFile a) throws IOException {
    return files.remove(a.path()) ? "removed " + a.path() : a.path() + " was already gone";
  }

  private void write(Path path, String content) throws IOException {
    files.write(path, content.getBytes(StandardCharsets.UTF_8));
  }

  private String validate(Action.ValidateConfig a) throws IOException {
    List<String> problems = ConfigValidator.problems(commands, a.bin(), a.content());
    if (problems.isEmpty()) {
      return "accepted by " + a.bin().resolve("postgres");
    }
    List<String> parts = new ArrayList<>();
    for (String p : problems) {
      int line = ConfigValidator.lineOf(p);
      String field = line > 0 ? fieldOfConfLine.apply(line) : null;
      parts.add(p + (field == null ? "" : " [" + field + "]"));
    }
    throw new IOException("the server would reject the new postgresql.conf, so it was not written: " + String.join("; ", parts));
  }
}
