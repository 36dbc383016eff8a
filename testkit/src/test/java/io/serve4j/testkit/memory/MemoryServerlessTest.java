package io.serve4j.testkit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.Scaling;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.testkit.ContractModels;
import org.junit.jupiter.api.Test;

/** The memory provider has no serverless inference: core refuses it before the provider runs. */
class MemoryServerlessTest {
  @Test
  void deploy_serverless_isUnsupportedCapabilityAndCreatesNothing() {
    try (ServingClient client = Serve4j.client(MemoryOptions.defaults())) {
      EndpointSpec spec =
          EndpointSpec.builder()
              .name("fraud")
              .deployment(
                  DeploymentSpec.builder()
                      .name("blue")
                      .model(ContractModels.reluOnClasspath())
                      .scaling(Scaling.serverless(2048, 10))
                      .build())
              .build();
      assertThatThrownBy(() -> client.deploy(spec).await())
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining("SERVERLESS")
          .hasMessageContaining("serverless(2048 MB, max concurrency 10)");
      assertThat(client.listEndpoints()).isEmpty();
    }
  }
}
