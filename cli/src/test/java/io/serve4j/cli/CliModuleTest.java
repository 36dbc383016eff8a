package io.serve4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.testkit.ModuleBoundaries;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

class CliModuleTest {
  @Test
  void module_exportsTheEmbeddingApiOnly_andOpensCommandsToPicocliOnly() {
    ModuleDescriptor d = ModuleBoundaries.assertExportsExactly(Serve4jCli.class, "io.serve4j.cli");
    assertThat(d.name()).isEqualTo("io.serve4j.cli");
    assertThat(d.opens())
        .allMatch(o -> o.targets().equals(java.util.Set.of("info.picocli")))
        .extracting(ModuleDescriptor.Opens::source)
        .containsExactly("io.serve4j.cli.internal");
  }
}
