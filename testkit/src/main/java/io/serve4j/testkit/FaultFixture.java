package io.serve4j.testkit;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.ProviderOptions;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.memory.MemoryOptions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
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
   * The usual fixture for a fake that can also fail any call on demand and count its wire requests,
   * for the contract's one-retry-layer, deadline and describe-cache cases.
   *
   * @param options the provider's options, pointing at the fake
   * @param inject what {@link #inject(Fault...)} does
   * @param predictionsReceived what {@link #predictionsReceived} returns
   * @param closeFake what {@link #close} does
   * @param supported the faults the fake can inject into predictions
   * @param calls how the fake fails and counts the other calls
   * @return the fixture, its endpoint deployed
   */
  static FaultFixture onFake(
      ProviderOptions options,
      Consumer<Fault[]> inject,
      LongSupplier predictionsReceived,
      Runnable closeFake,
      Set<Fault.Kind> supported,
      CallFaults calls) {
    FaultFixture base = onFake(options, inject, predictionsReceived, closeFake, supported);
    return new FaultFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return base.newClient(builder);
      }

      @Override
      public String reluEndpoint() {
        return base.reluEndpoint();
      }

      @Override
      public void inject(Fault... faults) {
        base.inject(faults);
      }

      @Override
      public long predictionsReceived() {
        return base.predictionsReceived();
      }

      @Override
      public Set<Fault.Kind> supportedFaults() {
        return base.supportedFaults();
      }

      @Override
      public Set<Fault.Call> faultableCalls() {
        return EnumSet.allOf(Fault.Call.class);
      }

      @Override
      public void inject(Fault.Call call, Fault... faults) {
        calls.inject(call, faults);
      }

      @Override
      public long wireRequests(Fault.Call call) {
        return calls.requests(call);
      }

      @Override
      public Optional<ProviderOptions> providerOptions() {
        return Optional.of(options);
      }

      @Override
      public void close() {
        base.close();
      }
    };
  }

  /** How a fake fails any call on demand and counts the wire requests of each call. */
  interface CallFaults {
    /**
     * Makes the fake answer the next requests of {@code call} with these faults, in order
     * (SERVER_ERROR, UNAVAILABLE and SLOW at least), replacing any still queued; none clears.
     *
     * @param call which call
     * @param faults the faults
     */
    void inject(Fault.Call call, Fault... faults);

    /**
     * Returns how many wire requests of {@code call} reached the fake so far, failed ones included.
     *
     * @param call which call
     * @return the count
     */
    long requests(Fault.Call call);
  }

  /**
   * Returns the calls this fixture can fail on demand with {@link #inject(Fault.Call, Fault...)}
   * and count with {@link #wireRequests}; by default none, and the cases that need them are
   * skipped.
   *
   * @return the calls
   */
  default Set<Fault.Call> faultableCalls() {
    return Set.of();
  }

  /**
   * Makes the next requests of {@code call} fail with these faults (SERVER_ERROR, UNAVAILABLE,
   * SLOW), in order, replacing any still queued; none clears.
   *
   * @param call which call
   * @param faults the faults
   */
  default void inject(Fault.Call call, Fault... faults) {
    throw new UnsupportedOperationException("this fixture cannot fail " + call);
  }

  /**
   * Returns how many wire requests of {@code call} reached the fake (the memory provider: backend
   * calls) so far, or -1 if not counted.
   *
   * @param call which call
   * @return the count, or -1
   */
  default long wireRequests(Fault.Call call) {
    return -1;
  }

  /**
   * Returns the provider's options pointing at the fake, to open the provider without core (the
   * case that checks that the caller's deadline reaches the wire); empty skips it.
   *
   * @return the options, if given
   */
  default Optional<ProviderOptions> providerOptions() {
    return Optional.empty();
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
