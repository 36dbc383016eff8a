package io.serve4j.local;

import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractFixture;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.ServingProviderContract;
import java.time.Duration;

/**
 * The shared contract, run on ONNX Runtime with the ReLU model read from the class path. Deploys
 * are as fast as loading the model, so the suite's deploy-deadline cases skip themselves; {@link
 * LocalProviderTest} covers run deadlines.
 */
class LocalContractTest extends ServingProviderContract {
  @Override
  protected ContractFixture createFixture() {
    LocalStatistics stats = new LocalStatistics();
    return new ContractFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(LocalOptions.builder().statistics(stats).build()).build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.reluOnClasspath();
      }

      @Override
      public long predictionsReceived() {
        return stats.runs();
      }

      @Override
      public Duration minimumDeployTime() {
        return Duration.ZERO;
      }
    };
  }
}
