package io.serve4j.internal;

import io.serve4j.BatchRun;
import io.serve4j.CallInfo;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.spi.CallObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How core's template tells {@link ServingListener}s about calls and operations. A class of its
 * own, found by name only when a client has listeners: a client without any (the usual local deploy
 * and prediction) never loads, parses or verifies it.
 */
final class CallListeners {
  private CallListeners() {}

  /**
   * The listeners of one call, told that it started.
   *
   * @param all the client's listeners, not empty
   * @param info the call
   * @return the call's listeners ({@link #forCall})
   */
  static List<ServingListener> started(List<ServingListener> all, CallInfo info) {
    List<ServingListener> listeners = forCall(all, info);
    fire(listeners, l -> l.onStart(info));
    return listeners;
  }

  /**
   * Calls every listener given (the client's, or one call's), ignoring their failures.
   *
   * @param listeners the listeners
   * @param event the callback
   */
  static void fire(List<ServingListener> listeners, Consumer<ServingListener> event) {
    for (int i = 0; i < listeners.size(); i++) {
      try {
        event.accept(listeners.get(i));
      } catch (RuntimeException ignored) {
        // listeners must not break calls
      }
    }
  }

  /**
   * The listeners of one call: each client listener's {@link ServingListener#forCall}; the client's
   * own list (no allocation) when every one keeps the call's events itself.
   *
   * @param all the client's listeners
   * @param info the call
   * @return the call's listeners
   */
  static List<ServingListener> forCall(List<ServingListener> all, CallInfo info) {
    List<ServingListener> mine = all;
    for (int i = 0; i < all.size(); i++) {
      ServingListener l = all.get(i);
      ServingListener c;
      try {
        c = l.forCall(info);
      } catch (RuntimeException e) {
        c = l;
      }
      if (c != null && c != l) {
        if (all.size() == 1) {
          return List.of(c); // the usual case: one listener, the smallest list
        }
        if (mine == all) {
          mine = new ArrayList<>(all);
        }
        mine.set(i, c);
      }
    }
    return mine;
  }

  /**
   * Tells the listeners how a call or operation ended (nothing for a cancellation).
   *
   * @param listeners the call's listeners
   * @param info the call
   * @param start when it started ({@link System#nanoTime()})
   * @param value its value, when it succeeded
   * @param error its failure, or null
   * @param providerId the provider, for typing the failure
   */
  static void finish(
      List<ServingListener> listeners,
      CallInfo info,
      long start,
      Object value,
      Throwable error,
      String providerId) {
    if (listeners.isEmpty()) {
      return;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (error == null) {
      if (value instanceof InferenceResponse r) {
        fire(listeners, l -> l.onResponse(info, r));
      }
      fire(listeners, l -> l.onSuccess(info, elapsed));
    } else if (!(Futures.unwrap(error) instanceof java.util.concurrent.CancellationException)) {
      ServingException se = Futures.toServing(error, providerId);
      fire(listeners, l -> l.onError(info, se, elapsed));
    }
  }

  /**
   * Tells the listeners that a call is retried.
   *
   * @param listeners the call's listeners
   * @param info the call
   * @param attempt the attempt that failed
   * @param error its failure
   * @param wait the wait before the next
   */
  static void retry(
      List<ServingListener> listeners,
      CallInfo info,
      int attempt,
      ServingException error,
      Duration wait) {
    fire(listeners, l -> l.onRetry(info, attempt, error, wait));
  }

  /**
   * What a provider reports of a running call, handed to the call's listeners.
   *
   * @param listeners the call's listeners
   * @param info the call
   * @param attempt the attempt
   * @return the observer
   */
  static CallObserver observer(List<ServingListener> listeners, CallInfo info, int attempt) {
    return new CallObserver() {
      @Override
      public void batched(BatchRun run) {
        fire(listeners, l -> l.onBatch(info, run));
      }

      @Override
      public ServingListener.Scope enter() {
        if (listeners.size() == 1) {
          return open(listeners.get(0), info, attempt);
        }
        ServingListener.Scope[] scopes = new ServingListener.Scope[listeners.size()];
        for (int i = 0; i < scopes.length; i++) {
          scopes[i] = open(listeners.get(i), info, attempt);
        }
        return () -> {
          for (int i = scopes.length - 1; i >= 0; i--) {
            CallListeners.close(scopes[i]);
          }
        };
      }
    };
  }

  /**
   * Runs one attempt's provider hook inside every listener's {@link ServingListener#onAttempt}
   * scope (closed in reverse order on this thread when the hook returns).
   *
   * @param listeners the call's listeners
   * @param info the call
   * @param attempt the attempt
   * @param work the hook
   * @param <T> its result
   * @return its result
   */
  static <T> T inScopes(
      List<ServingListener> listeners, CallInfo info, int attempt, Supplier<T> work) {
    if (listeners.size() == 1) {
      ServingListener.Scope scope = open(listeners.get(0), info, attempt);
      try {
        return work.get();
      } finally {
        close(scope);
      }
    }
    ServingListener.Scope[] scopes = new ServingListener.Scope[listeners.size()];
    for (int i = 0; i < scopes.length; i++) {
      scopes[i] = open(listeners.get(i), info, attempt);
    }
    try {
      return work.get();
    } finally {
      for (int i = scopes.length - 1; i >= 0; i--) {
        close(scopes[i]);
      }
    }
  }

  private static ServingListener.Scope open(ServingListener l, CallInfo info, int attempt) {
    try {
      ServingListener.Scope s = l.onAttempt(info, attempt);
      return s == null ? ServingListener.Scope.NOOP : s;
    } catch (RuntimeException e) {
      return ServingListener.Scope.NOOP;
    }
  }

  private static void close(ServingListener.Scope scope) {
    try {
      scope.close();
    } catch (RuntimeException ignored) {
      // listeners must not break calls
    }
  }
}
