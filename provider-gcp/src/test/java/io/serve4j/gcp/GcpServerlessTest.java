package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.Scaling;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Vertex AI online prediction has no serverless option: refused before any call. */
class GcpServerlessTest {
  @Test
  void deploy_serverless_isUnsupportedCapabilityBeforeAnyCall() {
    FakeVertex vertex = new FakeVertex(Duration.ofMillis(20), 1, ContractModels::reluAnswer);
    try (ServingClient client =
        Serve4j.client(
            GcpOptions.builder()
                .project("test-project")
                .location("us-central1")
                .credentialsProvider(NoCredentialsProvider.create())
                .transportChannelProvider(vertex.channelProvider())
                .storage(LocalStorageHelper.getOptions().getService())
                .stagingBucket("staging")
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
      assertThat(vertex.wireCalls.log()).isEmpty();
    } finally {
      vertex.close();
    }
  }
}
