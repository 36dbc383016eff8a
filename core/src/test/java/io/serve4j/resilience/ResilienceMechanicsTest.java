package io.serve4j.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.CallInfo;
import io.serve4j.CircuitBreakerPolicy;
import io.serve4j.CircuitState;
import io.serve4j.Endpoint;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.Tensor;
import io.serve4j.ThrottledException;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ResilienceMechanicsTest {
  private static final InferenceRequest REQUEST =
      InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}));

  private final List<String> events = new CopyOnWriteArrayList<>();
  private final ServingListener recorder =
      new ServingListener() {
        @Override
        public void onRetry(CallInfo call, int attempt, ServingException error, Duration delay) {
          events.add("retry " + attempt + " " + error.category());
        }

        @Override
        public void onCircuitStateChange(String endpoint, CircuitState from, CircuitState to) {
          events.add("breaker " + from + "->" + to);
        }
      };

  private ServingClient client(ScriptedProvider p, Serve4j.Builder b) {
    return b.provider(p).listener(recorder).build();
  }

  @Test
  void retry_honoursRetryAfter_thenSucceeds() {
    ScriptedProvider p = new ScriptedProvider("s");
    p.script.add(() -> ScriptedProvider.error(ErrorCategory.THROTTLED, Duration.ofMillis(300)));
    p.script.add(() -> ScriptedProvider.error(ErrorCategory.UNAVAILABLE, null));
    RetryPolicy policy =
        RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).build();
    try (ServingClient c = client(p, Serve4j.builder().retryPolicy(policy))) {
      InferenceResponse r = c.endpoint("e").predict(REQUEST);
      assertThat(r.output("y").asFloats()).containsExactly(1f);
    }
    assertThat(p.attempts).hasSize(3);
    long gapMs = (p.attempts.get(1) - p.attempts.get(0)) / 1_000_000;
    assertThat(gapMs).as("waited at least Retry-After").isGreaterThanOrEqualTo(300);
    assertThat(events).containsExactly("retry 1 THROTTLED", "retry 2 UNAVAILABLE");
  }

  @Test
  void retry_stopsAtMaxAttempts_withTheLastTypedError() {
    ScriptedProvider p = new ScriptedProvider("s");
    for (int i = 0; i < 5; i++) {
      p.script.add(() -> ScriptedProvider.error(ErrorCategory.UNAVAILABLE, null));
    }
    RetryPolicy policy =
        RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5)).build();
    try (ServingClient c = client(p, Serve4j.builder().retryPolicy(policy))) {
      assertThatThrownBy(() -> c.endpoint("e").predict(REQUEST))
          .isInstanceOf(UnavailableException.class);
    }
    assertThat(p.attempts).hasSize(3);
  }

  @Test
  void retry_neverRetriesNonRetryableCategories() {
    ScriptedProvider p = new ScriptedProvider("s");
    p.script.add(() -> ScriptedProvider.error(ErrorCategory.INVALID_INPUT, null));
    try (ServingClient c = client(p, Serve4j.builder())) {
      assertThatThrownBy(() -> c.endpoint("e").predict(REQUEST))
          .isInstanceOf(InvalidInputException.class);
    }
    assertThat(p.attempts).hasSize(1);
    assertThat(events).isEmpty();
  }

  @Test
  void retry_whenRetryAfterOutlivesTheDeadline_returnsTheErrorAtOnce() {
    ScriptedProvider p = new ScriptedProvider("s");
    p.script.add(() -> ScriptedProvider.error(ErrorCategory.THROTTLED, Duration.ofSeconds(30)));
    try (ServingClient c = client(p, Serve4j.builder().predictTimeout(Duration.ofSeconds(2)))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.endpoint("e").predict(REQUEST))
          .isInstanceOf(ThrottledException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }
    assertThat(p.attempts).hasSize(1);
  }

  @Test
  void retryBudget_limitsRetriesOfAFailingEndpoint() {
    ScriptedProvider p = new ScriptedProvider("s");
    for (int i = 0; i < 100; i++) {
      p.script.add(() -> ScriptedProvider.error(ErrorCategory.UNAVAILABLE, null));
    }
    RetryPolicy policy =
        RetryPolicy.builder()
            .maxAttempts(5)
            .initialBackoff(Duration.ofMillis(1))
            .budget(0.0, 3)
            .build();
    try (ServingClient c = client(p, Serve4j.builder().retryPolicy(policy))) {
      for (int i = 0; i < 5; i++) {
        assertThatThrownBy(() -> c.endpoint("e").predict(REQUEST))
            .isInstanceOf(UnavailableException.class);
      }
    }
    // 5 first attempts + only the 3 retries the budget held.
    assertThat(p.attempts).hasSize(8);
  }

  @Test
  void slowAnswer_pastTheDeadline_isTimeoutWithinBound() {
    ScriptedProvider p = new ScriptedProvider("s");
    p.delay = Duration.ofSeconds(5);
    try (ServingClient c = client(p, Serve4j.builder())) {
      InferenceRequest r = REQUEST.toBuilder().timeout(Duration.ofMillis(200)).build();
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.endpoint("e").predict(r)).isInstanceOf(TimeoutException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).isBetween(Duration.ofMillis(190), Duration.ofSeconds(2));
    }
  }

  @Test
  void circuitBreaker_opensAfterFailures_failsFast_thenClosesAfterTrials() throws Exception {
    ScriptedProvider p = new ScriptedProvider("s");
    for (int i = 0; i < 4; i++) {
      p.script.add(() -> ScriptedProvider.error(ErrorCategory.UNAVAILABLE, null));
    }
    var config =
        CircuitBreakerPolicy.builder()
            .slidingWindowSize(4)
            .minimumNumberOfCalls(4)
            .waitInOpenState(Duration.ofMillis(300))
            .permittedCallsInHalfOpenState(1)
            .build();
    try (ServingClient c =
        client(p, Serve4j.builder().retryPolicy(RetryPolicy.none()).circuitBreaker(config))) {
      Endpoint e = c.endpoint("e");
      for (int i = 0; i < 4; i++) {
        assertThatThrownBy(() -> e.predict(REQUEST)).isInstanceOf(UnavailableException.class);
      }
      assertThat(events).contains("breaker CLOSED->OPEN");
      int before = p.attempts.size();
      assertThatThrownBy(() -> e.predict(REQUEST))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("circuit breaker");
      assertThat(p.attempts).hasSize(before); // failed fast: nothing sent
      Thread.sleep(400);
      assertThat(e.predict(REQUEST).output("y").asFloats()).containsExactly(1f);
      assertThat(events).contains("breaker OPEN->HALF_OPEN", "breaker HALF_OPEN->CLOSED");
    }
  }

  @Test
  void circuitBreaker_ignoresBadInput() {
    ScriptedProvider p = new ScriptedProvider("s");
    for (int i = 0; i < 10; i++) {
      p.script.add(() -> ScriptedProvider.error(ErrorCategory.INVALID_INPUT, null));
    }
    var config =
        CircuitBreakerPolicy.builder().slidingWindowSize(4).minimumNumberOfCalls(4).build();
    try (ServingClient c = client(p, Serve4j.builder().circuitBreaker(config))) {
      for (int i = 0; i < 10; i++) {
        assertThatThrownBy(() -> c.endpoint("e").predict(REQUEST))
            .isInstanceOf(InvalidInputException.class);
      }
    }
    assertThat(events).noneMatch(s -> s.startsWith("breaker"));
  }

  @Test
  void circuitBreaker_countsOnlyThePolicysCategories_andHonoursItsThreshold() {
    ScriptedProvider p = new ScriptedProvider("s");
    // 1 model error in a window of 2 is 50%: below a 60% threshold, and 100% once counted.
    p.script.add(() -> ScriptedProvider.error(ErrorCategory.MODEL_ERROR, null));
    p.script.add(() -> null);
    p.script.add(() -> ScriptedProvider.error(ErrorCategory.MODEL_ERROR, null));
    p.script.add(() -> ScriptedProvider.error(ErrorCategory.MODEL_ERROR, null));
    CircuitBreakerPolicy policy =
        CircuitBreakerPolicy.builder()
            .slidingWindowSize(2)
            .minimumNumberOfCalls(2)
            .failureRateThreshold(60)
            .failureCategories(java.util.Set.of(ErrorCategory.MODEL_ERROR))
            .waitInOpenState(Duration.ofMinutes(1))
            .build();
    try (ServingClient c =
        client(p, Serve4j.builder().retryPolicy(RetryPolicy.none()).circuitBreaker(policy))) {
      Endpoint e = c.endpoint("e");
      assertThatThrownBy(() -> e.predict(REQUEST)).isInstanceOf(ServingException.class);
      e.predict(REQUEST);
      assertThat(events).noneMatch(s -> s.startsWith("breaker")); // 50% < 60%
      assertThatThrownBy(() -> e.predict(REQUEST)).isInstanceOf(ServingException.class);
      assertThatThrownBy(() -> e.predict(REQUEST)).isInstanceOf(ServingException.class);
      assertThat(events).containsExactly("breaker CLOSED->OPEN");
      int before = p.attempts.size();
      assertThatThrownBy(() -> e.predict(REQUEST))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("circuit breaker");
      assertThat(p.attempts).hasSize(before);
    }
  }

  @Test
  void failover_whenPrimaryUnavailable_answersFromFallback() {
    ScriptedProvider cloud = new ScriptedProvider("cloud");
    ScriptedProvider local = new ScriptedProvider("local");
    local.answer = 2f;
    cloud.script.add(() -> ScriptedProvider.error(ErrorCategory.UNAVAILABLE, null));
    List<String> failovers = new CopyOnWriteArrayList<>();
    try (ServingClient cc = client(cloud, Serve4j.builder().retryPolicy(RetryPolicy.none()));
        ServingClient lc = client(local, Serve4j.builder())) {
      Endpoint e =
          FailoverEndpoint.builder()
              .primary(cc.endpoint("m"))
              .fallback(lc.endpoint("m"))
              .listener(
                  (r, err) -> failovers.add(err.map(x -> x.category().name()).orElse("hedge")))
              .build();
      InferenceResponse first = e.predict(REQUEST);
      assertThat(first.output("y").asFloats()).containsExactly(2f);
      assertThat(first.parameters()).containsEntry(FailoverEndpoint.SERVED_BY, "fallback");
      InferenceResponse second = e.predict(REQUEST);
      assertThat(second.parameters()).containsEntry(FailoverEndpoint.SERVED_BY, "primary");
      assertThat(failovers).containsExactly("UNAVAILABLE");
    }
  }

  @Test
  void failover_whenBothFail_throwsPrimaryErrorWithFallbackSuppressed() {
    ScriptedProvider cloud = new ScriptedProvider("cloud");
    ScriptedProvider local = new ScriptedProvider("local");
    cloud.script.add(() -> ScriptedProvider.error(ErrorCategory.TIMEOUT, null));
    local.script.add(() -> ScriptedProvider.error(ErrorCategory.MODEL_ERROR, null));
    try (ServingClient cc = client(cloud, Serve4j.builder().retryPolicy(RetryPolicy.none()));
        ServingClient lc = client(local, Serve4j.builder())) {
      Endpoint e =
          FailoverEndpoint.builder().primary(cc.endpoint("m")).fallback(lc.endpoint("m")).build();
      assertThatThrownBy(() -> e.predict(REQUEST))
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("fallback failed too")
          .satisfies(t -> assertThat(t.getSuppressed()).hasSize(1));
    }
  }

  @Test
  void failover_doesNotHideBadInput() {
    ScriptedProvider cloud = new ScriptedProvider("cloud");
    ScriptedProvider local = new ScriptedProvider("local");
    cloud.script.add(() -> ScriptedProvider.error(ErrorCategory.INVALID_INPUT, null));
    try (ServingClient cc = client(cloud, Serve4j.builder());
        ServingClient lc = client(local, Serve4j.builder())) {
      Endpoint e =
          FailoverEndpoint.builder().primary(cc.endpoint("m")).fallback(lc.endpoint("m")).build();
      assertThatThrownBy(() -> e.predict(REQUEST)).isInstanceOf(InvalidInputException.class);
      assertThat(local.attempts).isEmpty();
    }
  }

  @Test
  void hedging_asksFallbackWhenPrimaryIsSlow_andTakesTheFirstAnswer() {
    ScriptedProvider cloud = new ScriptedProvider("cloud");
    ScriptedProvider local = new ScriptedProvider("local");
    cloud.delay = Duration.ofSeconds(3);
    local.answer = 5f;
    try (ServingClient cc = client(cloud, Serve4j.builder());
        ServingClient lc = client(local, Serve4j.builder())) {
      Endpoint e =
          FailoverEndpoint.builder()
              .primary(cc.endpoint("m"))
              .fallback(lc.endpoint("m"))
              .hedgeAfter(Duration.ofMillis(100))
              .build();
      long start = System.nanoTime();
      InferenceResponse r = e.predict(REQUEST);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      assertThat(r.output("y").asFloats()).containsExactly(5f);
      assertThat(r.parameters()).containsEntry(FailoverEndpoint.SERVED_BY, "fallback");
    }
  }

  @Test
  void shadow_reportsDifferences_andReturnsPrimary() throws Exception {
    ScriptedProvider cloud = new ScriptedProvider("cloud");
    ScriptedProvider local = new ScriptedProvider("local");
    cloud.answer = 1.0f;
    local.answer = 1.25f;
    List<ShadowComparison> seen = new CopyOnWriteArrayList<>();
    try (ServingClient cc = client(cloud, Serve4j.builder());
        ServingClient lc = client(local, Serve4j.builder())) {
      Endpoint e =
          ShadowEndpoint.builder()
              .primary(cc.endpoint("m"))
              .shadow(lc.endpoint("m"))
              .onComparison(seen::add)
              .build();
      assertThat(e.predict(REQUEST).output("y").asFloats()).containsExactly(1.0f);
      for (int i = 0; i < 50 && seen.isEmpty(); i++) {
        Thread.sleep(10);
      }
      assertThat(seen).hasSize(1);
      OutputDifference d = seen.get(0).differences().get(0);
      assertThat(d.output()).isEqualTo("y");
      assertThat(d.maxAbsoluteError()).isEqualTo(0.25);
      assertThat(d.maxRelativeError()).isEqualTo(0.25);
      assertThat(seen.get(0).matches(0.3)).isTrue();
      assertThat(seen.get(0).matches(0.1)).isFalse();
    }
  }
}
