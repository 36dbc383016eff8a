package io.serve4j.testkit;

import io.serve4j.Endpoint;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.memory.MemoryOptions;
import java.util.Set;

/**
 * What a provider supplies to run {@link FaultInjectionContract}: a client against its fake, a
 * deployed ReLU endpoint there, and a way to make the fake fail.
 */
public interface FaultFixture extends AutoCloseable {
  /**
   * Builds a client for the provider under test against its fake; apply the provider's options to
   * {@code builder}, which carries the suite's retry and breaker settings. The provider's own SDK
   * retries must be configured as the provider does by default (so the suite sees whether the two
   * layers multiply).
   *
   * @param builder a builder with the suite's settings
   * @return a new client
   */
  ServingClient newClient(Serve4j.Builder builder);

  /**
   * Returns the name of an endpoint serving the ReLU contract model on the fake, deployed once.
   *
   * @return the endpoint name
   */
  String reluEndpoint();

  /**
   * Makes the fake answer its next prediction calls with these faults, in order; later calls are
   * answered normally.
   *
   * @param faults the faults
   */
  void inject(Fault... faults);

  /**
   * Returns how many prediction calls reached the fake (including failed ones).
   *
   * @return the count
   */
  long predictionsReceived();

  /**
   * Returns the faults this fixture can inject; the other cases are skipped.
   *
   * @return the kinds
   */
  Set<Fault.Kind> supportedFaults();

  /**
   * Returns the fallback endpoint for the failover case; by default the in-memory provider
   * answering like the ReLU model. Providers may return a local ONNX Runtime endpoint instead.
   *
   * @return the fallback endpoint (its client stays open until the fixture closes)
   */
  default Endpoint fallbackEndpoint() {
    ServingClient memory =
        Serve4j.client(
            MemoryOptions.builder().predictor((d, r) -> ContractModels.reluAnswer(r)).build());
    return memory
        .deploy(io.serve4j.EndpointSpec.of("relu-fallback", ContractModels.reluOnClasspath()))
        .await();
  }

  /** Releases the fixture; default does nothing. */
  @Override
  default void close() {}
}
