package io.serve4j.gcp;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.StreamingContract;
import io.serve4j.testkit.StreamingFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streaming contract on Vertex AI's StreamRawPredict, through the real PredictionServiceClient
 * (gax server streaming with its inbound flow control off) against {@link FakeVertex} streaming
 * gRPC server-stream messages as the client's demand allows.
 */
class GcpStreamingTest extends StreamingContract {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @Override
  protected StreamingFixture createFixture() {
    FakeVertex vertex = new FakeVertex(Duration.ofMillis(20), 1, ContractModels::reluAnswer);
    Storage storage = LocalStorageHelper.getOptions().getService();
    return new StreamingFixture() {
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
                    .pollInterval(Duration.ofMillis(10))
                    .build())
            .build();
      }

      @Override
      public String streamingEndpoint(
          ServingClient client, List<String> chunks, Duration gap, int failAfter) {
        String name = "stream-" + NAMES.incrementAndGet();
        client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
        vertex.streams.script(name, chunks, gap, failAfter);
        return name;
      }

      @Override
      public int produced(String endpoint) {
        return vertex.streams.produced(endpoint);
      }

      @Override
      public void failNextOpen(String endpoint) {
        vertex.streams.failNextOpen();
      }

      @Override
      public void close() {
        vertex.close();
      }
    };
  }
}
