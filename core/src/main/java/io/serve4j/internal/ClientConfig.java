package io.serve4j.internal;

import io.serve4j.CircuitBreakerPolicy;
import io.serve4j.RetryPolicy;
import io.serve4j.ServingListener;
import java.time.Duration;
import java.util.List;

/**
 * Settings core applies around every provider call.
 *
 * @param listeners observers of every call
 * @param predictTimeout default per-prediction timeout
 * @param operationTimeout default deadline of long-running operations
 * @param callTimeout default timeout of short control calls (describe, list)
 * @param maxRequestBytes largest request accepted
 * @param maxResponseBytes largest response accepted (output tensors plus raw payload)
 * @param retryPolicy how failed calls are retried
 * @param circuitBreaker per-endpoint circuit breaker settings, or null for none
 * @param closeGrace how long close() lets the undo work of stopped operations run on the client's
 *     own scheduler
 */
public record ClientConfig(
    List<ServingListener> listeners,
    Duration predictTimeout,
    Duration operationTimeout,
    Duration callTimeout,
    long maxRequestBytes,
    long maxResponseBytes,
    RetryPolicy retryPolicy,
    CircuitBreakerPolicy circuitBreaker,
    Duration closeGrace) {
  /** The default of {@link #maxResponseBytes}: 64 MiB, as for requests. */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 64L * 1024 * 1024;

  /** The default of {@link #closeGrace}: 10 seconds. */
  public static final Duration DEFAULT_CLOSE_GRACE = Duration.ofSeconds(10);

  /** Copies the listeners. */
  public ClientConfig {
    listeners = List.copyOf(listeners);
  }
}
