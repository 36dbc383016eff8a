package io.serve4j;

import java.time.Duration;

/**
 * Observes every call a client makes: metrics, tracing and logging hang here. Callbacks run on the
 * calling or completing thread and must not block or throw; a throwing listener is ignored.
 *
 * <pre>{@code
 * ServingClient client = Serve4j.builder()
 *     .provider("local")
 *     .listener(new ServingListener() {
 *       public void onSuccess(CallInfo call, Duration elapsed) { timer.record(elapsed); }
 *     })
 *     .build();
 * }</pre>
 */
public interface ServingListener {
  /**
   * A call starts (after validation).
   *
   * @param call what is called
   */
  default void onStart(CallInfo call) {}

  /**
   * A call succeeded.
   *
   * @param call what was called
   * @param elapsed time since start
   */
  default void onSuccess(CallInfo call, Duration elapsed) {}

  /**
   * A call failed (after any retries).
   *
   * @param call what was called
   * @param error the typed failure
   * @param elapsed time since start
   */
  default void onError(CallInfo call, ServingException error, Duration elapsed) {}

  /**
   * A call is retried after a failed attempt.
   *
   * @param call what is called
   * @param attempt the attempt that failed, from 1
   * @param error why it failed
   * @param delay wait before the next attempt
   */
  default void onRetry(CallInfo call, int attempt, ServingException error, Duration delay) {}

  /**
   * An endpoint's circuit breaker changed state.
   *
   * @param endpoint the endpoint
   * @param from previous state
   * @param to new state
   */
  default void onCircuitStateChange(String endpoint, CircuitState from, CircuitState to) {}
}
