package io.serve4j.testkit.memory;

import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.FaultInjectionContract;
import java.util.EnumSet;
import java.util.Set;

class MemoryFaultInjectionTest extends FaultInjectionContract {
  @Override
  protected FaultFixture createFixture() {
    MemoryBackend backend = new MemoryBackend();
    MemoryOptions options =
        MemoryOptions.builder()
            .backend(backend)
            .predictor((d, r) -> ContractModels.reluAnswer(r))
            .build();
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
    }
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
        backend.injectFaults(faults);
      }

      @Override
      public long predictionsReceived() {
        return backend.predictionsReceived();
      }

      @Override
      public Set<Fault.Kind> supportedFaults() {
        return EnumSet.of(
            Fault.Kind.THROTTLE, Fault.Kind.UNAVAILABLE, Fault.Kind.SERVER_ERROR, Fault.Kind.SLOW);
      }
    };
  }
}
