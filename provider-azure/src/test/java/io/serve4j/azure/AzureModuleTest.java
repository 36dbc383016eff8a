package io.serve4j.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.spi.ServingProvider;
import io.serve4j.testkit.ModuleBoundaries;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

class AzureModuleTest {
  @Test
  void module_exportsOptionsOnly_andProvidesTheProvider() {
    ModuleDescriptor d =
        ModuleBoundaries.assertExportsExactly(AzureProvider.class, "io.serve4j.azure");
    assertThat(d.name()).isEqualTo("io.serve4j.azure");
    assertThat(ModuleBoundaries.provided(d, ServingProvider.class))
        .containsExactly(AzureProvider.class.getName());
  }
}
