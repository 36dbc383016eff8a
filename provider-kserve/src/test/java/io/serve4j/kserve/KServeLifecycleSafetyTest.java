package io.serve4j.kserve;

import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.LifecycleSafetyContract;
import io.serve4j.testkit.LifecycleSafetyFixture;
import io.serve4j.testkit.WireCalls;
import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * {@link LifecycleSafetyContract} through the real fabric8 client against {@link FakeKServe}:
 * cancelling a deploy or an update at each of its API-server calls (held in the mock server while
 * the cancel happens), and failing each call of an update with a 500.
 */
class KServeLifecycleSafetyTest extends LifecycleSafetyContract {
  @Override
  protected LifecycleSafetyFixture createFixture() {
    FakeKServe kserve = new FakeKServe(Duration.ofMillis(100), ContractModels::reluAnswer);
    return new LifecycleSafetyFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(kserve.options().build()).build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.relu(URI.create("s3://models/triton-repo"));
      }

      @Override
      public Set<String> resources() {
        return kserve.resources();
      }

      @Override
      public WireCalls wireCalls() {
        return kserve.wireCalls;
      }

      @Override
      public void close() {
        kserve.close();
      }
    };
  }
}
