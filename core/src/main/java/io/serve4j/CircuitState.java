package io.serve4j;

/**
 * The state of an endpoint's circuit breaker (see {@link CircuitBreakerPolicy}), as {@link
 * ServingListener#onCircuitStateChange} reports it.
 */
public enum CircuitState {
  /** Calls go through; failures are counted. */
  CLOSED,
  /** Calls fail at once with a non-retryable {@link UnavailableException}; nothing is sent. */
  OPEN,
  /** After the open-state wait: a few trial calls go through and decide between open and closed. */
  HALF_OPEN
}
