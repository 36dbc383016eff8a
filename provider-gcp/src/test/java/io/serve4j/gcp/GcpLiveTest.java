package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Against real Vertex AI; costs money. Runs only in the {@code live-gcp} profile with {@code
 * SERVE4J_GCP_PROJECT}, {@code SERVE4J_GCP_BUCKET} and {@code SERVE4J_GCP_TRITON_IMAGE} (the Triton
 * image mirrored into Artifact Registry) set, and Application Default Credentials.
 */
@Tag("live")
class GcpLiveTest {
  @Test
  void deployPredictDelete_onRealVertexAi() {
    String project = System.getenv("SERVE4J_GCP_PROJECT");
    String bucket = System.getenv("SERVE4J_GCP_BUCKET");
    String image = System.getenv("SERVE4J_GCP_TRITON_IMAGE");
    assumeTrue(project != null && bucket != null && image != null, "live Vertex AI not configured");
    String location = System.getenv().getOrDefault("SERVE4J_GCP_LOCATION", "us-central1");
    try (ServingClient vertex =
        Serve4j.builder()
            .operationTimeout(Duration.ofMinutes(45))
            .options(
                GcpOptions.builder()
                    .project(project)
                    .location(location)
                    .stagingBucket(bucket)
                    .tritonImage(image)
                    .build())
            .build()) {
      String name = "serve4j-live-" + UUID.randomUUID().toString().substring(0, 8);
      Endpoint e = vertex.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
      try {
        InferenceResponse r = e.predict(ContractModels.reluRequest(-1f, 3f));
        assertThat(r.output("y").asFloats()[1]).isCloseTo(3f, within(1e-6f));
      } finally {
        e.delete().await();
      }
    }
  }
}
