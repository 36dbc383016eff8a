package io.serve4j.spi;

import io.serve4j.BatchRun;
import io.serve4j.ServingListener;

/**
 * What a provider tells core's listeners about one call while it runs, through its {@link
 * CallContext}: core implements it over the client's {@link ServingListener}s; providers never
 * implement it.
 */
public interface CallObserver {
  /** An observer that hears nothing (no listener, or a context made outside core). */
  CallObserver NONE = new CallObserver() {};

  /**
   * A dynamic batcher ran the call's request.
   *
   * @param run the run's size, queue time and compute time
   */
  default void batched(BatchRun run) {}

  /**
   * Re-enters the call's listener scopes (see {@link ServingListener#onAttempt}) on this thread.
   *
   * @return the scope to close on this thread
   */
  default ServingListener.Scope enter() {
    return ServingListener.Scope.NOOP;
  }
}
