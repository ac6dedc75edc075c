package io.pgconverge.observe;

import java.nio.file.Path;

/**
 * A cluster that Debian's postgresql-common made (with {@code pg_createcluster}, or on its own
 * when the server package was installed): {@code /etc/postgresql/<version>/<name>/}, its data
 * directory and port as its postgresql.conf says, and whether its server runs now.
 */
public record PackagedCluster(String version, String name, Path configDir, Path dataDirectory, int port, boolean running) {
  /** "15/main (/etc/postgresql/15/main, data /var/lib/postgresql/15/main, port 5432, running)". */
  public String describe() {
    return version + "/" + name + " (" + configDir + ", data " + dataDirectory + ", port " + port + (running ? ", running" : ", stopped")
        + ")";
  }

  /** What removes it, in the words of postgresql-common. */
  public String remedy() {
    return "remove it with `pg_dropcluster " + version + " " + name + " --stop` and keep the package from making another with"
        + " `create_main_cluster = false` in /etc/postgresql-common/createcluster.conf";
  }
}
