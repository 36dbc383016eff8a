package io.serve4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.testkit.ModuleBoundaries;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

class ServerModuleTest {
  @Test
  void module_exportsTheServerAndTheGeneratedProtocolOnly() {
    ModuleDescriptor d =
        ModuleBoundaries.assertExportsExactly(
            OipServer.class, "io.serve4j.server", "io.serve4j.server.grpc");
    assertThat(d.name()).isEqualTo("io.serve4j.server");
  }
}
