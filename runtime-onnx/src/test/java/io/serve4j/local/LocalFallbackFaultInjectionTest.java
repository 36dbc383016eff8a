package io.serve4j.local;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.FaultInjectionContract;
import io.serve4j.testkit.memory.MemoryFaultFixture;

/**
 * The fault-injection suite with the local ONNX Runtime as the fallback (the edge-fallback case):
 * the primary is a faulty remote stand-in (the in-memory provider with injected faults), the
 * fallback a real ONNX Runtime endpoint of the same ReLU model.
 */
class LocalFallbackFaultInjectionTest extends FaultInjectionContract {
  @Override
  protected FaultFixture createFixture() {
    ServingClient local = Serve4j.client(LocalOptions.builder().isolated(true).build());
    return new MemoryFaultFixture() {
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
