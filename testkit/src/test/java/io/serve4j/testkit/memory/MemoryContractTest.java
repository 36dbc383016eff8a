package io.serve4j.testkit.memory;

import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractFixture;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.ServingProviderContract;
import java.time.Duration;

class MemoryContractTest extends ServingProviderContract {
  @Override
  protected ContractFixture createFixture() {
    MemoryBackend backend = new MemoryBackend();
    return new ContractFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder
            .options(
                MemoryOptions.builder()
                    .backend(backend)
                    .deployLatency(Duration.ofMillis(400))
                    .predictor((d, r) -> ContractModels.reluAnswer(r))
                    .build())
            .build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.reluOnClasspath();
      }

      @Override
      public long predictionsReceived() {
        return backend.predictionsReceived();
      }

      @Override
      public Duration minimumDeployTime() {
        return Duration.ofMillis(400);
      }
    };
  }
}
