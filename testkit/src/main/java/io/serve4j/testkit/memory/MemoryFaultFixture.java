package io.serve4j.testkit.memory;

import io.serve4j.EndpointSpec;
import io.serve4j.ProviderOptions;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link FaultFixture} on the in-memory provider: a ReLU endpoint whose next predictions fail as
 * injected (throttling, 503, 500, slow answers). Use it to check code that handles failures, or
 * extend it to put another endpoint behind it as the fallback (e.g. a local ONNX Runtime one).
 */
public class MemoryFaultFixture implements FaultFixture {
  private final MemoryBackend backend = new MemoryBackend();
  private final MemoryOptions options =
      MemoryOptions.builder()
          .backend(backend)
          .predictor((d, r) -> ContractModels.reluAnswer(r))
          .build();

  /** Creates the fixture and deploys the ReLU endpoint {@code relu}. */
  public MemoryFaultFixture() {
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
    }
  }

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
  public Set<Fault.Call> faultableCalls() {
    return EnumSet.allOf(Fault.Call.class);
  }

  @Override
  public void inject(Fault.Call call, Fault... faults) {
    backend.injectFaults(call, faults);
  }

  @Override
  public long wireRequests(Fault.Call call) {
    return backend.requests(call);
  }

  @Override
  public Optional<ProviderOptions> providerOptions() {
    return Optional.of(options);
  }
}
