package io.serve4j.gcp;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.BatchJobSpec;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.LifecycleSafetyContract;
import io.serve4j.testkit.LifecycleSafetyFixture;
import io.serve4j.testkit.WireCalls;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@link LifecycleSafetyContract} against the real Vertex AI clients and {@link FakeVertex}:
 * cancelling a deploy, update or batch job at any call, and failing any call of an update.
 */
class GcpLifecycleSafetyTest extends LifecycleSafetyContract {
  @Override
  protected LifecycleSafetyFixture createFixture() {
    FakeVertex vertex = new FakeVertex(Duration.ofMillis(100), 3, ContractModels::reluAnswer);
    Storage storage = LocalStorageHelper.getOptions().getService();
    return new LifecycleSafetyFixture() {
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
                    .pollInterval(Duration.ofMillis(30))
                    .build())
            .build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.reluOnClasspath();
      }

      @Override
      public Set<String> resources() {
        Set<String> out = new TreeSet<>(vertex.resources());
        for (Blob b : storage.list("staging").iterateAll()) {
          out.add("artifact:gs://staging/" + b.getName());
        }
        return out;
      }

      @Override
      public WireCalls wireCalls() {
        return vertex.wireCalls;
      }

      @Override
      public Optional<BatchJobSpec> batchJob(String name) {
        return Optional.of(
            BatchJobSpec.builder()
                .name(name)
                .model(FakeVertex.sklearnModel())
                .input(URI.create("gs://in/rows.jsonl"))
                .output(URI.create("gs://out/" + name))
                .build());
      }

      @Override
      public void close() {
        vertex.close();
      }
    };
  }
}
