package io.serve4j.onnx;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.FaultInjectionContract;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.MemoryOptions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The fault-injection suite with the local ONNX Runtime as the fallback (the edge-fallback case):
 * the primary is a faulty remote stand-in (the in-memory provider with injected faults), the
 * fallback a real ONNX Runtime endpoint of the same ReLU model.
 */
class LocalFallbackFaultInjectionTest extends FaultInjectionContract {
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
    ServingClient local = Serve4j.client(LocalOptions.builder().isolated(true).build());
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

      @Override
      public Endpoint fallbackEndpoint() {
        return local
            .deploy(EndpointSpec.of("relu-local", ContractModels.reluOnClasspath()))
            .await();
      }

      @Override
      public void close() {
        local.close();
      }
    };
  }
}
