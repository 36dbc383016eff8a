package io.serve4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No serve4j module uses another's {@code internal} packages. Named modules (core, testkit,
 * runtime-onnx, provider-aws, provider-azure, batch, cli) get this from their module-info; the
 * {@code gcp} provider cannot be a named module (its Google SDK dependencies split packages, e.g.
 * {@code com.google.cloud.aiplatform.v1} between google-cloud-aiplatform and its proto jar), and
 * the examples are not one: this test covers every module on the examples' class path, whose main
 * classes it imports from their jars or class directories.
 */
class BoundariesTest {
  private static final JavaClasses SERVE4J =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importUrls(
              Stream.of(
                      io.serve4j.Serve4j.class,
                      io.serve4j.testkit.ContractFixture.class,
                      io.serve4j.local.LocalProvider.class,
                      io.serve4j.aws.AwsProvider.class,
                      io.serve4j.azure.AzureProvider.class,
                      io.serve4j.gcp.GcpProvider.class,
                      Examples.class)
                  .map(c -> c.getProtectionDomain().getCodeSource().getLocation())
                  .toList());

  private static URI origin(JavaClass c) {
    return c.getSource().orElseThrow().getUri();
  }

  /** The jar or class directory a class came from: its module. */
  private static String module(JavaClass c) {
    String uri = origin(c).toString();
    int jar = uri.indexOf("!/");
    if (jar >= 0) {
      return uri.substring(0, jar);
    }
    String path = c.getName().replace('.', '/') + ".class";
    return uri.endsWith(path) ? uri.substring(0, uri.length() - path.length()) : uri;
  }

  private static List<String> violations(JavaClasses classes) {
    List<String> violations = new ArrayList<>();
    for (JavaClass c : classes) {
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        JavaClass target = d.getTargetClass();
        if (target.getPackageName().contains(".internal")
            && target.getName().startsWith("io.serve4j.")
            && target.getSource().isPresent()
            && !module(target).equals(module(c))) {
          violations.add(d.getDescription());
        }
      }
    }
    return violations;
  }

  /** Reaches into core's internals on purpose, to show the check catches it. */
  static final class Trespasser {
    String id() {
      return io.serve4j.internal.RequestIds.next();
    }
  }

  @Test
  void noModuleUsesAnotherModulesInternalPackages() {
    assertThat(violations(SERVE4J)).isEmpty();
  }

  @Test
  void theCheck_catchesAClassOfAnotherModuleUsingCoreInternals() {
    JavaClasses withTrespasser =
        new ClassFileImporter()
            .importClasses(Trespasser.class, io.serve4j.internal.RequestIds.class);
    assertThat(violations(withTrespasser))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("Trespasser", "RequestIds.next()");
  }

  @Test
  void theImportSeesEveryModuleOnTheClassPath() {
    assertThat(SERVE4J.stream().map(BoundariesTest::module).distinct().count())
        .as("core, testkit, local, aws, azure, gcp and the examples")
        .isGreaterThanOrEqualTo(7);
    assertThat(SERVE4J.containPackage("io.serve4j.gcp.internal")).isTrue();
    assertThat(SERVE4J.containPackage("io.serve4j.internal")).isTrue();
  }
}
