package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.spi.ServingProvider;
import io.serve4j.testkit.ModuleBoundaries;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

class LocalModuleTest {
  @Test
  void module_exportsOptionsOnly_andProvidesTheLocalProvider() {
    ModuleDescriptor d =
        ModuleBoundaries.assertExportsExactly(LocalProvider.class, "io.serve4j.local");
    assertThat(d.name()).isEqualTo("io.serve4j.local");
    assertThat(ModuleBoundaries.provided(d, ServingProvider.class))
        .containsExactly(LocalProvider.class.getName());
  }
}
