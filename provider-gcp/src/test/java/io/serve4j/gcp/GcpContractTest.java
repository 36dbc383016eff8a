package io.serve4j.gcp;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractFixture;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.ServingProviderContract;
import java.time.Duration;

/**
 * The shared contract suite against the real Vertex AI clients talking to {@link FakeVertex} over
 * an in-process channel; artifacts are staged to Google's in-memory Storage fake.
 */
class GcpContractTest extends ServingProviderContract {
  static final Duration OPERATION_LATENCY = Duration.ofMillis(250);

  @Override
  protected ContractFixture createFixture() {
    FakeVertex vertex = new FakeVertex(OPERATION_LATENCY, 3, ContractModels::reluAnswer);
    Storage storage = LocalStorageHelper.getOptions().getService();
    return new ContractFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder
            .options(
                GcpOptions.builder()
                    .project("test-project")
                    .location("us-central1")
                    .credentialsProvider(NoCredentialsProvider.create())
                    .transportChannelProvider(vertex.channelProvider())
                    .storage(storage)
                    .stagingBucket("staging")
                    .tritonImage(FakeVertex.TRITON_IMAGE)
                    .pollInterval(Duration.ofMillis(50))
                    .build())
            .build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.reluOnClasspath();
      }

      @Override
      public long predictionsReceived() {
        return vertex.predictionsReceived();
      }

      @Override
      public Duration minimumDeployTime() {
        // create endpoint, then deploy: two operations, one after the other
        return OPERATION_LATENCY.multipliedBy(2);
      }

      @Override
      public void close() {
        vertex.close();
      }
    };
  }
}
