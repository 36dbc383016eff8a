package io.serve4j.azure.internal;

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

/**
 * The lifecycle-safety contract on the {@code azure} provider: the real azure-core pipeline against
 * the stateful Azure ML fake, every control-plane call of which is logged, paused or failed by
 * name. azure-core's own retries are off ({@code maxRetries(0)}) so that a fault on any step
 * reaches the operation; the location is given and the model is an already registered version, so
 * that every run of an operation makes the same calls (the first run's workspace and model reads
 * are otherwise cached by the client).
 */
class AzureLifecycleSafetyTest extends LifecycleSafetyContract {
  @Override
  protected LifecycleSafetyFixture createFixture() {
    FakeAzureMl fake = new FakeAzureMl(Duration.ofMillis(150));
    TestSupport.StaticCredential credential = new TestSupport.StaticCredential();
    com.azure.core.http.HttpClient http = TestSupport.insecureHttpClient();
    return new LifecycleSafetyFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder
            .options(
                TestSupport.options(fake.base(), credential, http)
                    .maxRetries(0)
                    .location("westeurope")
                    .environment(TestSupport.BATCH_ENV)
                    .build())
            .build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.relu(URI.create("azureml:relu:1"));
      }

      @Override
      public Set<String> resources() {
        return fake.resources();
      }

      @Override
      public WireCalls wireCalls() {
        return fake.wireCalls;
      }

      /** A PUT that makes a new resource, a model or blob upload, or a batch invocation. */
      @Override
      public boolean creates(String call) {
        return call.startsWith("PUT") && !call.endsWith("(update)")
            || call.equals("POST batchInvoke");
      }

      @Override
      public Optional<BatchJobSpec> batchJob(String name) {
        return Optional.of(
            BatchJobSpec.builder()
                .name(name)
                .model(reluModel())
                .input(URI.create("azureml://datastores/workspaceblobstore/paths/in/"))
                .output(URI.create("azureml://datastores/workspaceblobstore/paths/out/"))
                .instances(1)
                .build());
      }

      @Override
      public void close() {
        fake.close();
      }
    };
  }
}
