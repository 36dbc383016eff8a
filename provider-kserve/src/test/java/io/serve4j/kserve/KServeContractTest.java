package io.serve4j.kserve;

import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractFixture;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.ServingProviderContract;
import java.net.URI;
import java.time.Duration;

/**
 * The shared contract suite through the real fabric8 client against {@link FakeKServe}: fabric8's
 * Kubernetes mock server in CRUD mode, a controller thread writing status as KServe's would, and an
 * OIP v2 REST responder on loopback answering like the ReLU model.
 */
class KServeContractTest extends ServingProviderContract {
  static final Duration ROLLOUT = Duration.ofMillis(300);

  /** The fake: predictions over REST here, over gRPC in {@link KServeGrpcContractTest}. */
  FakeKServe newFake() {
    return new FakeKServe(ROLLOUT);
  }

  @Override
  protected ContractFixture createFixture() {
    FakeKServe kserve = newFake();
    return new ContractFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(kserve.options().build()).build();
      }

      @Override
      public Model reluModel() {
        // a Triton model repository holding relu/1/model.onnx
        return ContractModels.relu(URI.create("s3://models/triton-repo"));
      }

      @Override
      public long predictionsReceived() {
        return kserve.predictionsReceived();
      }

      @Override
      public Duration minimumDeployTime() {
        return ROLLOUT;
      }

      @Override
      public void close() {
        kserve.close();
      }
    };
  }
}
