package io.pgconverge.plan;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameEndingWith;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameStartingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Keeps the loop's layers apart: the planner pure (it may know desired, pg and the observed
 * records, nothing that does I/O), pg pure knowledge, observe never on the writing side. ArchUnit
 * reads the compiled classes, so a fully qualified name in the code counts as much as an import.
 */
class DependencyRuleTest {
  private static final JavaClasses MAIN = importMainClasses();

  /**
   * The compiled main classes (target/classes), not the whole class path, and the classes they
   * name are not read from it: a rule needs only their names. That keeps the import to a second.
   */
  private static JavaClasses importMainClasses() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("com.tngtech.archunit")).setLevel(ch.qos.logback.classic.Level.WARN);
    com.tngtech.archunit.ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
    return new ClassFileImporter().importPath(Path.of("target/classes"));
  }

  @Test
  void plannerImportsNothingThatTouchesTheWorld() {
    noClasses().that().resideInAPackage("io.pgconverge.plan..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.pgconverge.apply..", "io.pgconverge.host..", "io.pgconverge.cli..", "io.pgconverge.daemon..",
            "io.pgconverge.loop..", "io.pgconverge.report..", "io.pgconverge.etcd..",
            "java.sql..", "org.slf4j..", "java.net.http..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.nio.file.Files")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.time.Clock")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.ProcessBuilder")
        .orShould().dependOnClassesThat(resideInAPackage("java.io").and(simpleNameStartingWith("File")))
        .orShould().dependOnClassesThat(resideInAPackage("io.pgconverge.observe..").and(simpleNameEndingWith("Probe")))
        .because("the planner is a pure function of (desired, facts): no I/O, no logger, no clock")
        .check(MAIN);
  }

  @Test
  void pgPackageIsPureKnowledge() {
    noClasses().that().resideInAPackage("io.pgconverge.pg..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.pgconverge.apply..", "io.pgconverge.host..", "io.pgconverge.cli..", "io.pgconverge.daemon..",
            "io.pgconverge.loop..", "io.pgconverge.report..", "io.pgconverge.observe..", "io.pgconverge.plan..",
            "io.pgconverge.etcd..", "java.sql..", "org.slf4j..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.nio.file.Files")
        .because("pg holds PostgreSQL knowledge as data and pure functions")
        .check(MAIN);
  }

  @Test
  void observeNeverImportsTheWritingSide() {
    noClasses().that().resideInAPackage("io.pgconverge.observe..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.pgconverge.apply..", "io.pgconverge.plan..", "io.pgconverge.cli..", "io.pgconverge.daemon..",
            "io.pgconverge.loop..")
        .because("observe reads the host into Facts and never writes")
        .check(MAIN);
  }
}
