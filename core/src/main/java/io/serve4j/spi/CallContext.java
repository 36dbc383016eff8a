package io.serve4j.spi;

import io.serve4j.BatchRun;
import io.serve4j.OperationProgress;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What core hands a provider with each call: the request id, the deadline to propagate into the
 * vendor SDK, a cancellation flag for polling loops, and a progress sink for long-running
 * operations.
 */
public final class CallContext {
  private String requestId; // made from requestIdSource on first read when not given
  private final java.util.function.Supplier<String> requestIdSource;
  private final Deadline deadline;
  private final BooleanSupplier cancelled;
  private final Consumer<OperationProgress> progress;
  private final boolean retriedByCore;
  private final boolean deadlineEndedByCore;
  private final CallObserver observer;

  /**
   * Creates a context.
   *
   * @param requestId the request id
   * @param deadline when the call must finish
   * @param cancelled true once the caller cancelled
   * @param progress where progress goes
   */
  public CallContext(
      String requestId,
      Deadline deadline,
      BooleanSupplier cancelled,
      Consumer<OperationProgress> progress) {
    this(requestId, deadline, cancelled, progress, false);
  }

  /**
   * Creates a context.
   *
   * @param requestId the request id
   * @param deadline when the call must finish
   * @param cancelled true once the caller cancelled
   * @param progress where progress goes
   * @param retriedByCore whether core retries this call (see {@link #retriedByCore()})
   */
  public CallContext(
      String requestId,
      Deadline deadline,
      BooleanSupplier cancelled,
      Consumer<OperationProgress> progress,
      boolean retriedByCore) {
    this(requestId, deadline, cancelled, progress, retriedByCore, CallObserver.NONE);
  }

  /**
   * Creates a context.
   *
   * @param requestId the request id
   * @param deadline when the call must finish
   * @param cancelled true once the caller cancelled
   * @param progress where progress goes
   * @param retriedByCore whether core retries this call (see {@link #retriedByCore()})
   * @param observer what core's listeners hear of the call while it runs ({@link #batched}, {@link
   *     #enter})
   */
  public CallContext(
      String requestId,
      Deadline deadline,
      BooleanSupplier cancelled,
      Consumer<OperationProgress> progress,
      boolean retriedByCore,
      CallObserver observer) {
    this.retriedByCore = retriedByCore;
    this.deadlineEndedByCore = false;
    this.observer = Objects.requireNonNull(observer, "observer");
    this.requestId = Objects.requireNonNull(requestId, "requestId");
    this.requestIdSource = null;
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
    this.progress = Objects.requireNonNull(progress, "progress");
  }

  /**
   * Creates a context whose request id is made only when first read ({@link #requestId()}): core
   * uses it so that a call nobody asks the id of (an in-process prediction without listeners that
   * succeeds) formats none.
   *
   * @param requestId gives the request id; called at most once per context for a successful read,
   *     and must return the same id every time (core's call id)
   * @param deadline when the call must finish
   * @param cancelled true once the caller cancelled
   * @param progress where progress goes
   * @param retriedByCore whether core retries this call (see {@link #retriedByCore()})
   * @param observer what core's listeners hear of the call while it runs
   */
  public CallContext(
      java.util.function.Supplier<String> requestId,
      Deadline deadline,
      BooleanSupplier cancelled,
      Consumer<OperationProgress> progress,
      boolean retriedByCore,
      CallObserver observer) {
    this(requestId, deadline, cancelled, progress, retriedByCore, observer, false);
  }

  /**
   * Creates a context whose request id is made only when first read, for a call whose deadline core
   * may end itself (see {@link #deadlineEndedByCore()}).
   *
   * @param requestId gives the request id, as for {@link #CallContext(java.util.function.Supplier,
   *     Deadline, BooleanSupplier, Consumer, boolean, CallObserver)}
   * @param deadline when the call must finish
   * @param cancelled true once the caller cancelled
   * @param progress where progress goes
   * @param retriedByCore whether core retries this call (see {@link #retriedByCore()})
   * @param observer what core's listeners hear of the call while it runs
   * @param deadlineEndedByCore whether core ends the call at its deadline by cancelling the
   *     provider's future (see {@link #deadlineEndedByCore()})
   */
  public CallContext(
      java.util.function.Supplier<String> requestId,
      Deadline deadline,
      BooleanSupplier cancelled,
      Consumer<OperationProgress> progress,
      boolean retriedByCore,
      CallObserver observer,
      boolean deadlineEndedByCore) {
    this.retriedByCore = retriedByCore;
    this.deadlineEndedByCore = deadlineEndedByCore;
    this.observer = Objects.requireNonNull(observer, "observer");
    this.requestIdSource = Objects.requireNonNull(requestId, "requestId");
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
    this.progress = Objects.requireNonNull(progress, "progress");
  }

  /**
   * A context with a deadline and nothing else, for tests and internal calls; its request id comes
   * from the same scheme as every call's.
   *
   * @param deadline the deadline
   * @return the context
   */
  public static CallContext of(Deadline deadline) {
    return new CallContext(io.serve4j.internal.RequestIds.next(), deadline, () -> false, p -> {});
  }

  /**
   * Returns the request id (the caller's, or one core generated).
   *
   * @return the request id
   */
  public String requestId() {
    String id = requestId;
    if (id == null) {
      id = Objects.requireNonNull(requestIdSource.get(), "request id");
      requestId = id; // a race makes it twice, and the source gives the same id both times
    }
    return id;
  }

  /**
   * Returns the deadline; providers pass {@code deadline().remaining()} to their SDK.
   *
   * @return the deadline
   */
  public Deadline deadline() {
    return deadline;
  }

  /**
   * Returns whether the caller cancelled; polling loops stop when it turns true.
   *
   * @return true once cancelled
   */
  public boolean isCancelled() {
    return cancelled.getAsBoolean();
  }

  /**
   * Returns whether core retries this call (predict, describe, list, describeBatchJob): if so the
   * provider's SDK must make exactly one wire attempt for it, so that attempts do not multiply
   * (core's retry policy is the one retry layer). Long-running operations are not retried by core;
   * their status reads are retried by {@link Polling}.
   *
   * @return true when core retries the call
   */
  public boolean retriedByCore() {
    return retriedByCore;
  }

  /**
   * Returns whether core itself ends this call at its {@link #deadline()}: when it passes, core
   * cancels the future the provider returned (which, through {@link Wire}, cancels the provider's
   * own) and fails the call with a TIMEOUT. A provider whose future's cancellation reaches the wire
   * (the SDK call is cancelled) then needs no deadline watch of its own ({@link
   * Deadline#onExpiry}), so that a call is watched once, by core. When false (the provider is
   * called directly, e.g. by a tool or the fault contract's {@code callersDeadline_reachesTheWire},
   * or by a core path that does not watch), the provider ends the call at its deadline itself, as
   * it must.
   *
   * @return true when core ends the call at its deadline
   */
  public boolean deadlineEndedByCore() {
    return deadlineEndedByCore;
  }

  /**
   * Reports progress of a long-running operation.
   *
   * @param message what is happening
   * @param fraction 0..1, or -1 if unknown
   */
  public void progress(String message, double fraction) {
    progress.accept(new OperationProgress(message, fraction, Instant.now()));
  }

  /**
   * Reports how a dynamic batcher ran this call's request; core hands it to the client's listeners
   * ({@link io.serve4j.ServingListener#onBatch}). {@link DynamicBatcher} calls it; a provider with
   * its own batching may too. Never throws.
   *
   * @param run the run's size, queue time and compute time
   */
  public void batched(BatchRun run) {
    if (observer == CallObserver.NONE) {
      return;
    }
    try {
      observer.batched(run);
    } catch (RuntimeException ignored) {
      // observers must not break calls
    }
  }

  /**
   * Returns whether {@link #batched} reports reach anyone, so that a batcher need not build them
   * when they do not.
   *
   * @return false when the reports go nowhere
   */
  public boolean observesBatches() {
    return observer != CallObserver.NONE;
  }

  /**
   * Makes the call's observation current on this thread again: re-enters every listener's {@link
   * io.serve4j.ServingListener#onAttempt} scope (a tracer's span). Core enters them around the
   * provider's hook on the calling thread; a provider whose call goes on, on another thread (an
   * SDK's callback thread after an asynchronous step), enters them there before it calls its SDK
   * again, so that the SDK's spans stay children of the call:
   *
   * <pre>{@code
   * return keys(ctx).thenCompose(key -> {
   *   try (ServingListener.Scope s = ctx.enter()) {
   *     return sdk.score(key, request); // the SDK reads the current context here
   *   }
   * });
   * }</pre>
   *
   * Never throws; close it on the same thread.
   *
   * @return the scope to close
   */
  public io.serve4j.ServingListener.Scope enter() {
    if (observer == CallObserver.NONE) {
      return io.serve4j.ServingListener.Scope.NOOP;
    }
    try {
      return observer.enter();
    } catch (RuntimeException e) {
      return io.serve4j.ServingListener.Scope.NOOP;
    }
  }
}
