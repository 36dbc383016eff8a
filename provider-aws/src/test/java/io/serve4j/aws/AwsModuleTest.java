package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.spi.ServingProvider;
import io.serve4j.testkit.ModuleBoundaries;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

class AwsModuleTest {
  @Test
  void module_exportsOptionsOnly_andProvidesTheProvider() {
    ModuleDescriptor d = ModuleBoundaries.assertExportsExactly(AwsProvider.class, "io.serve4j.aws");
    assertThat(d.name()).isEqualTo("io.serve4j.aws");
    assertThat(ModuleBoundaries.provided(d, ServingProvider.class))
        .containsExactly(AwsProvider.class.getName());
  }
}
