package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.Scaling;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Azure ML managed online endpoints have no serverless option: refused before any call. */
class AzureServerlessTest {
  @Test
  void deploy_serverless_isUnsupportedCapabilityBeforeAnyCall() {
    try (FakeAzureMl fake = new FakeAzureMl(Duration.ofMillis(20));
        ServingClient client =
            Serve4j.client(
                TestSupport.options(
                        fake.base(),
                        new TestSupport.StaticCredential(),
                        TestSupport.insecureHttpClient())
                    .build())) {
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
          .hasMessageContaining("SERVERLESS");
      assertThat(fake.wireCalls.log()).isEmpty();
    }
  }
}
