package io.serve4j.testkit;

import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.time.Duration;

/**
 * What a provider supplies to run {@link ServingProviderContract}: a way to build its client
 * (against a local fake or emulator of its cloud, never a mock of serve4j), the contract model
 * stored where the provider can deploy it, and a view of what reached its backend.
 */
public interface ContractFixture extends AutoCloseable {
  /**
   * Builds a client for the provider under test: apply the provider's options (endpoint overrides
   * pointing at the fake, static credentials) to {@code builder}, which carries the suite's own
   * settings, and build it.
   *
   * @param builder a builder with the suite's settings
   * @return a new client
   */
  ServingClient newClient(Serve4j.Builder builder);

  /**
   * Returns the contract model, built with {@link ContractModels#relu}: ReLU over input {@code x}
   * FP32 [1,2] to output {@code y} FP32 [1,2], with its artifact where this provider reads it.
   *
   * @return the model
   */
  Model reluModel();

  /**
   * Returns how many prediction requests reached the provider's backend (the fake server, the
   * runtime) so far, to prove that invalid requests are refused before anything is sent.
   *
   * @return the count
   */
  long predictionsReceived();

  /**
   * Returns a lower bound on how long a deployment takes on this fixture (how long the fake stays
   * Creating), so that a shorter operation deadline must fire. {@link Duration#ZERO} if deployments
   * are instant; the deadline cases are then skipped.
   *
   * @return the minimum deploy time
   */
  Duration minimumDeployTime();

  /** Releases the fixture (stops fake servers); default does nothing. */
  @Override
  default void close() {}
}
