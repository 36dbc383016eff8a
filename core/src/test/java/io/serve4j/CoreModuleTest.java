package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CoreModuleTest {
  @Test
  void module_exportsApiAndSpiOnly_andUsesProviders() throws Exception {
    Path root = Path.of(Serve4j.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor d;
    try (InputStream in = Files.newInputStream(root.resolve("module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("io.serve4j");
    assertThat(d.exports())
        .allMatch(e -> !e.isQualified())
        .extracting(ModuleDescriptor.Exports::source)
        .containsExactlyInAnyOrder(
            "io.serve4j",
            "io.serve4j.spi",
            "io.serve4j.spi.formats",
            "io.serve4j.protocol",
            "io.serve4j.resilience");
    assertThat(d.uses()).containsExactly("io.serve4j.spi.ServingProvider");
    // resilience4j implements the circuit breaker but is not handed on to users' modules.
    assertThat(d.requires())
        .filteredOn(r -> r.name().startsWith("io.github.resilience4j"))
        .isNotEmpty()
        .allMatch(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE));
  }
}
