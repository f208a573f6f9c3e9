package io.tokenwatch.launcher;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The module edges of DESIGN.md §2, checked on the compiled classes of every module: dependencies
 * point one way, and the filter core stays framework-free. This runs in the launcher because it is
 * the one module that sees all the others.
 */
class ModuleBoundariesTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tokenwatch");
        // The rules below are only worth something if every module's classes were imported.
        for (String name : new String[] {"io.tokenwatch.schemas.Topics", "io.tokenwatch.broker.EmbeddedKafka",
                "io.tokenwatch.filter.core.TokenFilter", "io.tokenwatch.detector.Detector", Main.class.getName()}) {
            if (!classes.contain(name)) {
                throw new AssertionError("class not imported: " + name);
            }
        }
    }

    @Test
    void shouldKeepSchemasFreeOfEveryOtherModule() {
        noClasses().that().resideInAPackage("io.tokenwatch.schemas..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tokenwatch.filter..", "io.tokenwatch.detector..",
                        "io.tokenwatch.launcher..", "io.tokenwatch.broker..", "org.apache.kafka.streams..",
                        "io.micronaut..", "io.jsonwebtoken..")
                .check(classes);
    }

    @Test
    void shouldKeepTheFilterCoreFreeOfFrameworks() {
        noClasses().that().resideInAPackage("io.tokenwatch.filter..")
                .and().resideOutsideOfPackages("io.tokenwatch.filter.micronaut..", "io.tokenwatch.filter.gateway..")
                .should().dependOnClassesThat().resideInAnyPackage("io.micronaut..", "org.apache.kafka.streams..",
                        "io.tokenwatch.detector..", "io.tokenwatch.launcher..", "io.tokenwatch.broker..")
                .check(classes);
    }

    @Test
    void shouldKeepTheDetectorIndependentOfTheFilter() {
        noClasses().that().resideInAPackage("io.tokenwatch.detector..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tokenwatch.filter..", "io.tokenwatch.launcher..",
                        "io.tokenwatch.broker..", "io.micronaut..")
                .check(classes);
    }

    @Test
    void shouldKeepTheBrokerUtilityIndependentOfTokenwatch() {
        noClasses().that().resideInAPackage("io.tokenwatch.broker..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tokenwatch.schemas..", "io.tokenwatch.filter..",
                        "io.tokenwatch.detector..", "io.tokenwatch.launcher..")
                .check(classes);
    }
}
