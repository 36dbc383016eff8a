package io.serve4j.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.serve4j.CircuitState;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The circuit breakers of one client's endpoints. A class of its own, made only when the client has
 * a circuit-breaker policy: a client without one never loads it, nor resilience4j.
 */
final class Breakers {
  private final DefaultServingClient client;
  private final CircuitBreakerRegistry registry;
  private final Map<String, CircuitBreaker> byEndpoint = new ConcurrentHashMap<>();

  Breakers(DefaultServingClient client, ClientConfig config) {
    this.client = client;
    this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfigs.of(config.circuitBreaker()));
  }

  /**
   * The breaker of an endpoint's predictions, made at first use.
   *
   * @param endpoint the endpoint
   * @return its breaker
   */
  CircuitBreaker of(String endpoint) {
    CircuitBreaker known = byEndpoint.get(endpoint);
    if (known != null) {
      return known;
    }
    return byEndpoint.computeIfAbsent(endpoint, this::create);
  }

  private CircuitBreaker create(String name) {
    String providerId = client.providerId();
    CircuitBreaker b = registry.circuitBreaker(providerId + ":" + name);
    if (client.config().listeners().isEmpty()) {
      // Nobody hears state changes: register no consumer, else resilience4j makes and publishes an
      // event (with a ZonedDateTime.now()) on every recorded call.
      return b;
    }
    b.getEventPublisher()
        .onStateTransition(
            ev ->
                client.fire(
                    l ->
                        l.onCircuitStateChange(
                            providerId,
                            name,
                            state(ev.getStateTransition().getFromState()),
                            state(ev.getStateTransition().getToState()))));
    return b;
  }

  /**
   * Maps resilience4j's state to ours. serve4j configures neither forced nor disabled breakers, so
   * those only appear if someone reached into resilience4j: they map to what callers observe.
   */
  static CircuitState state(CircuitBreaker.State s) {
    return switch (s) {
      case CLOSED, DISABLED, METRICS_ONLY -> CircuitState.CLOSED;
      case OPEN, FORCED_OPEN -> CircuitState.OPEN;
      case HALF_OPEN -> CircuitState.HALF_OPEN;
    };
  }
}
