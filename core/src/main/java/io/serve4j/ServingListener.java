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

  /**
   * An endpoint's circuit breaker changed state; core calls this one, whose default calls {@link
   * #onCircuitStateChange(String, CircuitState, CircuitState)}. Override it when one listener
   * serves clients of several providers (metrics tagged by provider).
   *
   * @param providerId the client's provider
   * @param endpoint the endpoint
   * @param from previous state
   * @param to new state
   */
  default void onCircuitStateChange(
      String providerId, String endpoint, CircuitState from, CircuitState to) {
    onCircuitStateChange(endpoint, from, to);
  }

  /**
   * Returns the listener that receives the events of one call: {@link #onStart}, {@link
   * #onAttempt}, {@link #onRetry}, {@link #onBatch}, {@link #onResponse} and {@link #onSuccess} or
   * {@link #onError}. Called once per call (short calls and long-running operations alike), before
   * {@code onStart}, on the calling thread. A listener that keeps state per call (a span, a timer
   * sample, whether the call was retried) returns a fresh object holding it, as OkHttp's {@code
   * EventListener.Factory} does, instead of keeping a map of calls in flight. {@link
   * #onCircuitStateChange} always goes to this listener. Must not block or throw; if it throws,
   * this listener receives the call's events itself.
   *
   * @param call what is called
   * @return the call's listener; the default returns {@code this}
   */
  default ServingListener forCall(CallInfo call) {
    return this;
  }

  /**
   * The provider is about to be called for an attempt of the call (each attempt of a short call,
   * counted from 1; the start of a long-running operation, attempt 1), on the thread that calls it.
   * The scope returned is closed on the same thread as soon as the provider's hook returns, which
   * may be before its answer arrives. A tracer makes its span current here, so that the vendor
   * SDK's own spans (and any context its interceptors read) become children of the call. A provider
   * whose call goes on, on another thread, re-enters the scope there with {@link
   * io.serve4j.spi.CallContext#enter()}, which calls this again for the same attempt.
   *
   * @param call what is called
   * @param attempt the attempt, from 1
   * @return what to close when the hook returns; the default returns {@link Scope#NOOP}
   */
  default Scope onAttempt(CallInfo call, int attempt) {
    return Scope.NOOP;
  }

  /**
   * A prediction's answer arrived, just before {@link #onSuccess}: it tells the deployment that
   * served it ({@link InferenceResponse#deployment()}) and the model version, where the provider
   * knows them. Not called for other calls.
   *
   * @param call what was called
   * @param response the answer
   */
  default void onResponse(CallInfo call, InferenceResponse response) {}

  /**
   * An in-process runtime's dynamic batcher ran the call's request (alone or within a batch):
   * called on the thread that ran the batch (the call's or another caller's), before the call's
   * outcome. Only providers that batch report it (the {@code local} runtime with a {@link
   * BatchingPolicy}).
   *
   * @param call what is called
   * @param run the run's size, queue time and compute time
   */
  default void onBatch(CallInfo call, BatchRun run) {}

  /** What {@link #onAttempt} opens: closed on the same thread, must not throw. */
  @FunctionalInterface
  interface Scope extends AutoCloseable {
    /** A scope that does nothing. */
    Scope NOOP = () -> {};

    /** Ends the scope. */
    @Override
    void close();
  }
}
