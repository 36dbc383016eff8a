package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.EventProcessor;
import io.serve4j.CircuitBreakerPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingListener;
import org.junit.jupiter.api.Test;

/**
 * resilience4j makes and publishes an event (with a {@code ZonedDateTime.now()}) for every call a
 * breaker records as soon as any consumer is registered on it: core registers its state-change
 * consumer only when a listener can hear it.
 */
class BreakerEventsTest {
  @Test
  void withoutListeners_theBreakerHasNoEventConsumer() {
    try (ServingClient c =
        Serve4j.builder()
            .provider(new CoreTemplateTest.PendingProvider())
            .circuitBreaker(CircuitBreakerPolicy.defaults())
            .build()) {
      assertThat(hasConsumers(((DefaultServingClient) c).breakerOf("e"))).isFalse();
    }
  }

  @Test
  void withAListener_theBreakerReportsStateChanges() {
    try (ServingClient c =
        Serve4j.builder()
            .provider(new CoreTemplateTest.PendingProvider())
            .circuitBreaker(CircuitBreakerPolicy.defaults())
            .listener(new ServingListener() {})
            .build()) {
      assertThat(hasConsumers(((DefaultServingClient) c).breakerOf("e"))).isTrue();
    }
  }

  private static boolean hasConsumers(CircuitBreaker b) {
    return ((EventProcessor<?>) b.getEventPublisher()).hasConsumers();
  }
}
