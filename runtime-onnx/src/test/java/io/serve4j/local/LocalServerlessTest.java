package io.serve4j.local;

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

/** The local runtime has no serverless inference: core refuses it before a model is loaded. */
class LocalServerlessTest {
  @Test
  void deploy_serverless_isUnsupportedCapabilityAndLoadsNothing() {
    try (ServingClient client = Serve4j.client(LocalOptions.builder().isolated(true).build())) {
      EndpointSpec spec =
          EndpointSpec.builder()
              .name("fraud")
              .deployment(
                  DeploymentSpec.builder()
                      .name("blue")
                      .model(ContractModels.reluOnClasspath())
                      .scaling(Scaling.serverless(2048, 10, 2))
                      .build())
              .build();
      assertThatThrownBy(() -> client.deploy(spec).await())
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining("SERVERLESS");
      assertThat(client.listEndpoints()).isEmpty();
    }
  }
}
