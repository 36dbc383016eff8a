package io.serve4j.kserve;

import io.serve4j.EndpointSpec;
import io.serve4j.ProviderOptions;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.FaultInjectionContract;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The shared fault-injection suite through the provider's JDK HTTP client against {@link
 * FakeKServe}'s OIP responder, which answers its next predictions as told: 429 with Retry-After,
 * 500, 503, a slow answer, a 200 whose body is not OIP JSON, and a connection closed without an
 * answer.
 */
class KServeFaultInjectionTest extends FaultInjectionContract {
  /** The fake: predictions over REST here, over gRPC in {@link KServeGrpcFaultInjectionTest}. */
  FakeKServe newFake() {
    return new FakeKServe(Duration.ofMillis(50));
  }

  /** The faults its prediction front can inject. */
  Set<Fault.Kind> predictFaults() {
    return EnumSet.allOf(Fault.Kind.class);
  }

  @Override
  protected FaultFixture createFixture() {
    FakeKServe kserve = newFake();
    ProviderOptions options = kserve.options().build();
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("relu", ContractModels.relu(URI.create("s3://models/triton-repo"))))
          .await(Duration.ofSeconds(30));
    }
    Set<Fault.Kind> kinds = predictFaults();
    return new FaultFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(options).build();
      }

      @Override
      public String reluEndpoint() {
        return "relu";
      }

      @Override
      public void inject(Fault... faults) {
        kserve.injectFaults(faults);
      }

      @Override
      public long predictionsReceived() {
        return kserve.predictionsReceived();
      }

      @Override
      public Set<Fault.Kind> supportedFaults() {
        return kinds;
      }

      @Override
      public Set<Fault.Call> faultableCalls() {
        // DELETE's case deploys ContractModels.reluOnClasspath(): a classpath: artifact that no
        // KServe storage initializer can read, refused INVALID_INPUT before any call.
        return EnumSet.of(Fault.Call.PREDICT, Fault.Call.DESCRIBE, Fault.Call.LIST);
      }

      @Override
      public void inject(Fault.Call call, Fault... faults) {
        kserve.inject(call, faults);
      }

      @Override
      public long wireRequests(Fault.Call call) {
        return kserve.requests(call);
      }

      @Override
      public Optional<ProviderOptions> providerOptions() {
        return Optional.of(options);
      }

      @Override
      public void close() {
        kserve.close();
      }
    };
  }
}
