package io.serve4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.spi.ServingProvider;
import io.serve4j.testkit.memory.MemoryProvider;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

class TestkitModuleTest {
  @Test
  void module_exportsContractsAndMemoryProvider_andProvidesIt() {
    ModuleDescriptor d =
        ModuleBoundaries.assertExportsExactly(
            MemoryProvider.class, "io.serve4j.testkit", "io.serve4j.testkit.memory");
    assertThat(d.name()).isEqualTo("io.serve4j.testkit");
    assertThat(ModuleBoundaries.provided(d, ServingProvider.class))
        .containsExactly(MemoryProvider.class.getName());
    assertThat(d.uses()).contains(ServingProvider.class.getName());
  }
}
