package io.serve4j.azure.internal;

import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractFixture;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.ServingProviderContract;
import java.time.Duration;

/**
 * The shared contract suite on the {@code azure} provider, through the real azure-core pipeline
 * against the stateful Azure ML fake: deployments stay InProgress for 600 ms (a dozen polls).
 */
class AzureContractTest extends ServingProviderContract {
  private static final Duration LATENCY = Duration.ofMillis(600);

  @Override
  protected ContractFixture createFixture() {
    FakeAzureMl fake = new FakeAzureMl(LATENCY);
    TestSupport.StaticCredential credential = new TestSupport.StaticCredential();
    com.azure.core.http.HttpClient http = TestSupport.insecureHttpClient();
    return new ContractFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(TestSupport.options(fake.base(), credential, http).build()).build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.reluOnClasspath();
      }

      @Override
      public long predictionsReceived() {
        return fake.predictions.get();
      }

      @Override
      public Duration minimumDeployTime() {
        return LATENCY;
      }

      @Override
      public void close() {
        fake.close();
      }
    };
  }
}
