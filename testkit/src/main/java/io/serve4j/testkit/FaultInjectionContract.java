package io.serve4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.serve4j.CircuitBreakerPolicy;
import io.serve4j.CircuitState;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ProviderOptions;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import io.serve4j.resilience.FailoverEndpoint;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import io.serve4j.spi.Wire;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fault injection through a provider's real SDK client against its fake: throttling with
 * Retry-After, 500 / 503, connection resets, answers slower than the deadline and malformed bodies
 * must end as the right typed error after the right number of attempts, within time bounds; the
 * circuit breaker must open and close; a fallback must take over with the right answer; and closing
 * the client must leave no serve4j threads behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
public abstract class FaultInjectionContract {
  private FaultFixture fixture;

  /**
   * Creates the provider's fixture; called once per test class.
   *
   * @return the fixture
   */
  protected abstract FaultFixture createFixture();

  @BeforeAll
  void start() {
    fixture = createFixture();
  }

  @AfterAll
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static RetryPolicy fastRetries(int attempts) {
    return RetryPolicy.builder()
        .maxAttempts(attempts)
        .initialBackoff(Duration.ofMillis(20))
        .maxBackoff(Duration.ofMillis(100))
        .build();
  }

  private void requires(Fault.Kind kind) {
    assumeTrue(fixture.supportedFaults().contains(kind), "the fixture cannot inject " + kind);
  }

  private ServingClient client(RetryPolicy retries) {
    return fixture.newClient(Serve4j.builder().retryPolicy(retries));
  }

  private InferenceResponse predict(ServingClient c, float a, float b) {
    return c.endpoint(fixture.reluEndpoint()).predict(ContractModels.reluRequest(a, b));
  }

  @Test
  void throttleWithRetryAfter_isRetriedAfterTheDelay_thenAnswers() {
    requires(Fault.Kind.THROTTLE);
    try (ServingClient c = client(fastRetries(3))) {
      predict(c, 1, 1); // warm up: learn the signature, open connections
      long before = fixture.predictionsReceived();
      fixture.inject(Fault.throttle(Duration.ofSeconds(1)));
      long start = System.nanoTime();
      ServingProviderContract.assertRelu(predict(c, -1, 2), -1, 2);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(fixture.predictionsReceived() - before).isEqualTo(2);
      assertThat(took)
          .isGreaterThanOrEqualTo(Duration.ofMillis(950))
          .isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void throttle_withRetriesOff_isThrottledWithRetryAfter() {
    requires(Fault.Kind.THROTTLE);
    try (ServingClient c = client(RetryPolicy.none())) {
      predict(c, 1, 1);
      long before = fixture.predictionsReceived();
      fixture.inject(Fault.throttle(Duration.ofSeconds(2)));
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(io.serve4j.ThrottledException.class)
          .satisfies(
              e -> {
                ServingException se = (ServingException) e;
                assertThat(se.retryable()).isTrue();
                assertThat(se.origin()).isEqualTo(ServingException.Origin.SERVICE);
                assertThat(se.retryAfter()).contains(Duration.ofSeconds(2));
              });
      assertThat(fixture.predictionsReceived() - before)
          .as("the SDK's own retries must not multiply core's")
          .isEqualTo(1);
    }
  }

  @Test
  void unavailable503_isRetried_andSucceeds() {
    requires(Fault.Kind.UNAVAILABLE);
    try (ServingClient c = client(fastRetries(3))) {
      predict(c, 1, 1);
      long before = fixture.predictionsReceived();
      fixture.inject(Fault.of(Fault.Kind.UNAVAILABLE), Fault.of(Fault.Kind.UNAVAILABLE));
      ServingProviderContract.assertRelu(predict(c, 3, -3), 3, -3);
      assertThat(fixture.predictionsReceived() - before).isEqualTo(3);
    }
  }

  @Test
  void unavailable503_pastMaxAttempts_isUnavailable() {
    requires(Fault.Kind.UNAVAILABLE);
    try (ServingClient c = client(fastRetries(2))) {
      predict(c, 1, 1);
      long before = fixture.predictionsReceived();
      fixture.inject(
          Fault.of(Fault.Kind.UNAVAILABLE),
          Fault.of(Fault.Kind.UNAVAILABLE),
          Fault.of(Fault.Kind.UNAVAILABLE));
      assertThatThrownBy(() -> predict(c, 1, 2)).isInstanceOf(UnavailableException.class);
      assertThat(fixture.predictionsReceived() - before).isEqualTo(2);
      fixture.inject(); // nothing left queued by this case matters to the next
      predict(c, 1, 1);
    }
  }

  @Test
  void serverError500_isATypedServiceError() {
    requires(Fault.Kind.SERVER_ERROR);
    try (ServingClient c = client(RetryPolicy.none())) {
      predict(c, 1, 1);
      fixture.inject(Fault.of(Fault.Kind.SERVER_ERROR));
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(ServingException.class)
          .satisfies(
              e -> {
                ServingException se = (ServingException) e;
                assertThat(se.origin()).isEqualTo(ServingException.Origin.SERVICE);
                assertThat(se.statusCode()).isPresent();
                assertThat(se.providerId()).isPresent();
              });
    }
  }

  @Test
  void connectionReset_isRetried_andSucceeds() {
    requires(Fault.Kind.CONNECTION_RESET);
    try (ServingClient c = client(fastRetries(3))) {
      predict(c, 1, 1);
      fixture.inject(Fault.of(Fault.Kind.CONNECTION_RESET));
      ServingProviderContract.assertRelu(predict(c, -5, 5), -5, 5);
    }
  }

  @Test
  void connectionReset_withRetriesOff_isUnavailable() {
    requires(Fault.Kind.CONNECTION_RESET);
    try (ServingClient c = client(RetryPolicy.none())) {
      predict(c, 1, 1);
      fixture.inject(Fault.of(Fault.Kind.CONNECTION_RESET));
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(ServingException.class)
          .satisfies(
              e -> {
                ServingException se = (ServingException) e;
                assertThat(se.category()).isIn(io.serve4j.ErrorCategory.UNAVAILABLE);
                assertThat(se.retryable()).isTrue();
              });
    }
  }

  @Test
  void slowerThanTheDeadline_isTimeoutWithinBound() {
    requires(Fault.Kind.SLOW);
    try (ServingClient c = client(RetryPolicy.none())) {
      predict(c, 1, 1);
      fixture.inject(Fault.slow(Duration.ofSeconds(4)));
      InferenceRequest r =
          ContractModels.reluRequest(1, 2).toBuilder().timeout(Duration.ofMillis(500)).build();
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.endpoint(fixture.reluEndpoint()).predict(r))
          .isInstanceOf(TimeoutException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).isBetween(Duration.ofMillis(450), Duration.ofMillis(2500));
    }
  }

  @Test
  void malformedBody_isATypedError() {
    requires(Fault.Kind.MALFORMED_BODY);
    try (ServingClient c = client(RetryPolicy.none())) {
      predict(c, 1, 1);
      fixture.inject(Fault.of(Fault.Kind.MALFORMED_BODY));
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(ServingException.class)
          .hasMessageContaining("malformed");
    }
  }

  @Test
  void circuitBreaker_opensOnFailures_failsFast_thenCloses() throws Exception {
    requires(Fault.Kind.UNAVAILABLE);
    List<String> transitions = new CopyOnWriteArrayList<>();
    ServingListener l =
        new ServingListener() {
          @Override
          public void onCircuitStateChange(String endpoint, CircuitState from, CircuitState to) {
            transitions.add(from + "->" + to);
          }
        };
    var breaker =
        CircuitBreakerPolicy.builder()
            .slidingWindowSize(4)
            .minimumNumberOfCalls(4)
            .waitInOpenState(Duration.ofMillis(500))
            .permittedCallsInHalfOpenState(1)
            .build();
    try (ServingClient c =
        fixture.newClient(
            Serve4j.builder()
                .retryPolicy(RetryPolicy.none())
                .circuitBreaker(breaker)
                .listener(l))) {
      predict(c, 1, 1);
      fixture.inject(
          Fault.of(Fault.Kind.UNAVAILABLE),
          Fault.of(Fault.Kind.UNAVAILABLE),
          Fault.of(Fault.Kind.UNAVAILABLE),
          Fault.of(Fault.Kind.UNAVAILABLE));
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> predict(c, 1, 2)).isInstanceOf(UnavailableException.class);
      }
      // 1 success + 3 failures in a window of 4: 75% >= 50%, the breaker opens.
      assertThat(transitions).contains("CLOSED->OPEN");
      long before = fixture.predictionsReceived();
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("circuit breaker");
      assertThat(fixture.predictionsReceived()).isEqualTo(before);
      Thread.sleep(700);
      fixture.inject(); // the remaining injected fault is consumed by nothing; clear it
      ServingProviderContract.assertRelu(predict(c, 2, -2), 2, -2);
      assertThat(transitions).contains("OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }
  }

  @Test
  void failover_whenPrimaryUnavailable_fallbackAnswersRight() {
    requires(Fault.Kind.UNAVAILABLE);
    Endpoint fallback = fixture.fallbackEndpoint();
    try (ServingClient c = client(RetryPolicy.none())) {
      predict(c, 1, 1);
      fixture.inject(Fault.of(Fault.Kind.UNAVAILABLE));
      Endpoint e =
          FailoverEndpoint.builder()
              .primary(c.endpoint(fixture.reluEndpoint()))
              .fallback(fallback)
              .build();
      InferenceResponse r = e.predict(ContractModels.reluRequest(-7, 7));
      ServingProviderContract.assertRelu(r, -7, 7);
      assertThat(r.parameters()).containsEntry(FailoverEndpoint.SERVED_BY, "fallback");
      assertThat(e.predict(ContractModels.reluRequest(1, -1)).parameters())
          .containsEntry(FailoverEndpoint.SERVED_BY, "primary");
    }
  }

  @Test
  void close_leavesNoServe4jThreadsBehind() throws Exception {
    Set<String> before = serve4jThreads();
    try (ServingClient c = client(fastRetries(2))) {
      predict(c, 1, 1);
    }
    Set<String> after = serve4jThreads();
    for (int i = 0; i < 40 && !before.containsAll(after); i++) {
      Thread.sleep(50);
      after = serve4jThreads();
    }
    assertThat(after).isSubsetOf(before);
  }

  // ---------------------------------------------------------------- the rules core owns

  private void requires(Fault.Call call) {
    assumeTrue(fixture.faultableCalls().contains(call), "the fixture cannot fail or count " + call);
  }

  /**
   * One retry layer: against a service that keeps failing with 503, each attempt core makes is
   * exactly one wire request (the SDK does not retry underneath), for predict, describe, list and
   * delete. Core retries the first three (so more than one attempt is seen) and not delete.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Fault.Call.class)
  void wireRequestsPerCoreAttempt_isExactlyOne(Fault.Call call) {
    requires(call);
    AtomicInteger retries = new AtomicInteger();
    Serve4j.Builder b =
        Serve4j.builder()
            .retryPolicy(fastRetries(3))
            .listener(
                new ServingListener() {
                  @Override
                  public void onRetry(
                      io.serve4j.CallInfo info, int attempt, ServingException e, Duration wait) {
                    retries.incrementAndGet();
                  }
                });
    try (ServingClient c = fixture.newClient(b)) {
      Endpoint relu = c.endpoint(fixture.reluEndpoint());
      relu.predict(ContractModels.reluRequest(1, 1)); // warm: the description is cached
      // A delete is tried on an endpoint of its own (a cloud may drain it before the delete call).
      Endpoint doomed =
          call == Fault.Call.DELETE
              ? c.deploy(EndpointSpec.of("relu-delete", ContractModels.reluOnClasspath()))
                  .await(Duration.ofSeconds(60))
              : null;
      long before = fixture.wireRequests(call);
      Fault[] faults = new Fault[8];
      Arrays.fill(faults, Fault.of(Fault.Kind.UNAVAILABLE));
      fixture.inject(call, faults);
      assertThatThrownBy(
              () -> {
                switch (call) {
                  case PREDICT -> relu.predict(ContractModels.reluRequest(1, 2));
                  case DESCRIBE -> relu.describe();
                  case LIST -> c.listEndpoints();
                  case DELETE -> doomed.delete().await(Duration.ofSeconds(60));
                }
              })
          .isInstanceOf(ServingException.class);
      long wire = fixture.wireRequests(call) - before;
      fixture.inject(call);
      if (call == Fault.Call.DELETE) {
        assertThat(retries).as("core does not retry a delete").hasValue(0);
      } else {
        assertThat(retries.get()).as("core retried the 503").isGreaterThanOrEqualTo(1);
      }
      assertThat(wire)
          .as("wire requests of %s for %d core attempts", call, retries.get() + 1)
          .isEqualTo(retries.get() + 1L);
      if (doomed != null) {
        assertThat(c.listEndpoints().stream().map(d -> d.name()))
            .as("the failed delete left the endpoint")
            .contains(doomed.name());
        doomed.delete().await(Duration.ofSeconds(60));
      }
    } finally {
      fixture.inject(call);
    }
  }

  /** One description cache, in core: a cold predict describes at most once, a warm one never. */
  @Test
  void describesPerColdPredict_isAtMostOne() {
    requires(Fault.Call.DESCRIBE);
    try (ServingClient c = fixture.newClient(Serve4j.builder())) {
      long before = fixture.wireRequests(Fault.Call.DESCRIBE);
      ServingProviderContract.assertRelu(predict(c, -1, 2), -1, 2);
      assertThat(fixture.wireRequests(Fault.Call.DESCRIBE) - before)
          .as("describes of a cold predict")
          .isLessThanOrEqualTo(1);
      long warm = fixture.wireRequests(Fault.Call.DESCRIBE);
      predict(c, 3, -4);
      predict(c, 5, 6);
      assertThat(fixture.wireRequests(Fault.Call.DESCRIBE)).isEqualTo(warm);
    }
  }

  /**
   * The caller's deadline reaches the wire: with core out of the way (the provider opened
   * directly), a call whose answer is slower than its deadline still ends, as a TIMEOUT, soon after
   * the deadline.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = Fault.Call.class,
      names = {"PREDICT", "DESCRIBE", "LIST"})
  void callersDeadline_reachesTheWire(Fault.Call call) throws Exception {
    requires(call);
    ProviderOptions options = fixture.providerOptions().orElse(null);
    assumeTrue(options != null, "the fixture does not give its provider options");
    ServingProvider provider = provider(options.providerId());
    Wire wire = Wire.of(provider.id(), provider.errorMapper());
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (ProviderSession session = provider.open(options, new ProviderContext(scheduler))) {
      String name = fixture.reluEndpoint();
      EndpointDescription known =
          session.lifecycle().describeEndpoint(name, CallContext.of(Deadline.none())).join();
      fixture.inject(call, Fault.slow(Duration.ofSeconds(6)));
      CallContext ctx =
          CallContext.builder(Deadline.after(Duration.ofMillis(600)))
              .requestId("deadline-" + call)
              .build();
      long start = System.nanoTime();
      CompletableFuture<?> f =
          switch (call) {
            case PREDICT ->
                wire.call(
                    "predict",
                    () ->
                        session
                            .inference()
                            .predict(name, known, ContractModels.reluRequest(1, 2), ctx));
            case DESCRIBE ->
                wire.call("describe", () -> session.lifecycle().describeEndpoint(name, ctx));
            default -> wire.call("list", () -> session.lifecycle().listEndpoints(ctx));
          };
      assertThatThrownBy(() -> f.get(4, TimeUnit.SECONDS))
          .as("the provider ended the call at its deadline")
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.category()).isEqualTo(io.serve4j.ErrorCategory.TIMEOUT));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    } finally {
      fixture.inject(call);
      scheduler.shutdownNow();
    }
  }

  private static ServingProvider provider(String id) {
    for (ServingProvider p : ServiceLoader.load(ServingProvider.class)) {
      if (p.id().equals(id)) {
        return p;
      }
    }
    throw new IllegalStateException("no provider " + id);
  }

  private static Set<String> serve4jThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        // The two process-wide daemon threads (core's shared timer and deadline watchdog) are
        // started once and shared by every client; they are not a client's to stop.
        .filter(
            n ->
                n.startsWith("serve4j-")
                    && !n.equals("serve4j-timer")
                    && !n.equals("serve4j-deadlines"))
        .collect(Collectors.toSet());
  }
}
