package io.serve4j.testkit;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.ProviderOptions;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.memory.MemoryOptions;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What a provider supplies to run {@link FaultInjectionContract}: a client against its fake, a
 * deployed ReLU endpoint there, and a way to make the fake fail.
 */
public interface FaultFixture extends AutoCloseable {
  /**
   * The usual fixture for a provider with a fake of its cloud: deploys the ReLU contract model as
   * endpoint {@code relu} with {@code options}, and hands faults, the prediction count and closing
   * to the fake.
   *
   * <pre>{@code
   * FakeAws fake = new FakeAws();
   * return FaultFixture.onFake(options, fake::injectFaults, fake::predictionsReceived, fake::close,
   *     EnumSet.allOf(Fault.Kind.class));
   * }</pre>
   *
   * @param options the provider's options, pointing at the fake
   * @param inject what {@link #inject} does
   * @param predictionsReceived what {@link #predictionsReceived} returns
   * @param closeFake what {@link #close} does
   * @param supported the faults the fake can inject
   * @return the fixture, its endpoint deployed
   */
  static FaultFixture onFake(
      ProviderOptions options,
      Consumer<Fault[]> inject,
      LongSupplier predictionsReceived,
      Runnable closeFake,
      Set<Fault.Kind> supported) {
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath()))
          .await(Duration.ofSeconds(30));
    }
    Set<Fault.Kind> kinds = Set.copyOf(supported);
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
        inject.accept(faults);
      }

      @Override
      public long predictionsReceived() {
        return predictionsReceived.getAsLong();
      }

      @Override
      public Set<Fault.Kind> supportedFaults() {
        return kinds;
      }

      @Override
      public void close() {
        closeFake.run();
      }
    };
  }

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
        .deploy(EndpointSpec.of("relu-fallback", ContractModels.reluOnClasspath()))
        .await();
  }

  /** Releases the fixture; default does nothing. */
  @Override
  default void close() {}
}
