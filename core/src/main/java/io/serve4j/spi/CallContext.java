package io.serve4j.spi;

import io.serve4j.BatchRun;
import io.serve4j.OperationProgress;
import io.serve4j.internal.CallContexts;
import io.serve4j.internal.RequestIds;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What core hands a provider with each call: the request id, the deadline to propagate into the
 * vendor SDK, a cancellation flag for polling loops, and a progress sink for long-running
 * operations. Immutable; core makes one per call. A provider or test that calls a provider's hooks
 * itself (a nested call, an undo step, a contract test) builds one:
 *
 * <pre>{@code
 * CallContext ctx = CallContext.builder(Deadline.after(Duration.ofSeconds(30)))
 *     .requestId(caller.requestId())
 *     .progress(p -> caller.progress(p.message(), p.fraction()))
 *     .build();
 * }</pre>
 */
public final class CallContext {
  private static final BooleanSupplier NEVER_CANCELLED = Unset.INSTANCE;
  private static final Consumer<OperationProgress> NO_PROGRESS = Unset.INSTANCE;

  static {
    // Core's per-call path makes contexts through this, without a builder per call.
    CallContexts.install(new CoreConstructor());
  }

  private String requestId; // made from requestIdSource on first read when not given
  private final Supplier<String> requestIdSource;
  private final Deadline deadline;
  private final BooleanSupplier cancelled;
  private final Consumer<OperationProgress> progress;
  private final boolean retriedByCore;
  private final boolean deadlineEndedByCore;
  private final CallObserver observer;

  /** Exactly one of {@code requestId} and {@code requestIdSource} is non-null. */
  private CallContext(
      String requestId,
      Supplier<String> requestIdSource,
      Deadline deadline,
      BooleanSupplier cancelled,
      Consumer<OperationProgress> progress,
      boolean retriedByCore,
      CallObserver observer,
      boolean deadlineEndedByCore) {
    this.requestId = requestId;
    this.requestIdSource = requestIdSource;
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
    this.progress = Objects.requireNonNull(progress, "progress");
    this.retriedByCore = retriedByCore;
    this.observer = Objects.requireNonNull(observer, "observer");
    this.deadlineEndedByCore = deadlineEndedByCore;
  }

  /**
   * Starts a builder for a context with this deadline. The defaults: a new request id from core's
   * one scheme (the same as every call's), never cancelled, progress reported nowhere, not retried
   * by core ({@link #retriedByCore()} false), no observer ({@link CallObserver#NONE}), the deadline
   * not ended by core ({@link #deadlineEndedByCore()} false).
   *
   * @param deadline when the call must finish
   * @return a new builder
   * @throws NullPointerException if {@code deadline} is null
   */
  public static Builder builder(Deadline deadline) {
    return new Builder(deadline);
  }

  /**
   * A context with a deadline and every other value at its default ({@link #builder(Deadline)}),
   * for tests and internal calls; its request id comes from the same scheme as every call's.
   *
   * @param deadline the deadline
   * @return the context
   * @throws NullPointerException if {@code deadline} is null
   */
  public static CallContext of(Deadline deadline) {
    return builder(deadline).build();
  }

  /**
   * Returns a builder with this context's values. A request id not made yet (core makes it only
   * when first read) is not made by this: the built context reads it from the same source, so that
   * both give the same id.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b =
        new Builder(deadline)
            .cancelled(cancelled)
            .progress(progress)
            .retriedByCore(retriedByCore)
            .observer(observer)
            .deadlineEndedByCore(deadlineEndedByCore);
    String id = requestId;
    if (id != null) {
      b.requestId = id;
    } else {
      b.requestIdSource = requestIdSource;
    }
    return b;
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

  /**
   * Builds a {@link CallContext}; start one with {@link CallContext#builder(Deadline)}. The setters
   * throw {@link NullPointerException} naming the argument when given {@code null}. Not
   * thread-safe.
   */
  public static final class Builder {
    private String requestId;
    private Supplier<String> requestIdSource;
    private Deadline deadline;
    private BooleanSupplier cancelled = NEVER_CANCELLED;
    private Consumer<OperationProgress> progress = NO_PROGRESS;
    private boolean retriedByCore;
    private CallObserver observer = CallObserver.NONE;
    private boolean deadlineEndedByCore;

    private Builder(Deadline deadline) {
      deadline(deadline);
    }

    /**
     * Sets the request id; default a new one from core's request-id scheme, made when the context
     * is built.
     *
     * @param requestId the request id
     * @return this builder
     */
    public Builder requestId(String requestId) {
      this.requestId = Objects.requireNonNull(requestId, "requestId");
      this.requestIdSource = null;
      return this;
    }

    /**
     * Sets when the call must finish.
     *
     * @param deadline the deadline
     * @return this builder
     */
    public Builder deadline(Deadline deadline) {
      this.deadline = Objects.requireNonNull(deadline, "deadline");
      return this;
    }

    /**
     * Sets what answers whether the caller cancelled ({@link CallContext#isCancelled()}); default
     * never.
     *
     * @param cancelled true once the caller cancelled
     * @return this builder
     */
    public Builder cancelled(BooleanSupplier cancelled) {
      this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
      return this;
    }

    /**
     * Sets where {@link CallContext#progress(String, double)} reports go; default nowhere.
     *
     * @param progress where progress goes
     * @return this builder
     */
    public Builder progress(Consumer<OperationProgress> progress) {
      this.progress = Objects.requireNonNull(progress, "progress");
      return this;
    }

    /**
     * Sets whether core retries this call (see {@link CallContext#retriedByCore()}); default false.
     *
     * @param retriedByCore whether core retries the call
     * @return this builder
     */
    public Builder retriedByCore(boolean retriedByCore) {
      this.retriedByCore = retriedByCore;
      return this;
    }

    /**
     * Sets what core's listeners hear of the call while it runs ({@link CallContext#batched},
     * {@link CallContext#enter}); default {@link CallObserver#NONE}.
     *
     * @param observer the observer
     * @return this builder
     */
    public Builder observer(CallObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * Sets whether core ends the call at its deadline by cancelling the provider's future (see
     * {@link CallContext#deadlineEndedByCore()}); default false.
     *
     * @param deadlineEndedByCore whether core ends the call at its deadline
     * @return this builder
     */
    public Builder deadlineEndedByCore(boolean deadlineEndedByCore) {
      this.deadlineEndedByCore = deadlineEndedByCore;
      return this;
    }

    /**
     * Builds the context.
     *
     * @return the context
     */
    public CallContext build() {
      String id = requestId;
      if (id == null && requestIdSource == null) {
        id = RequestIds.next();
      }
      return new CallContext(
          id,
          requestIdSource,
          deadline,
          cancelled,
          progress,
          retriedByCore,
          observer,
          deadlineEndedByCore);
    }
  }

  /**
   * The builder's defaults: never cancelled, progress goes nowhere (a class, not two lambdas, so
   * that a cold start spins none: ColdPathClassesTest).
   */
  private static final class Unset implements BooleanSupplier, Consumer<OperationProgress> {
    static final Unset INSTANCE = new Unset();

    @Override
    public boolean getAsBoolean() {
      return false;
    }

    @Override
    public void accept(OperationProgress p) {}
  }

  /** Core's way in (through {@link CallContexts}): a context per call without a builder. */
  private static final class CoreConstructor implements CallContexts.Constructor {
    @Override
    public CallContext make(
        Supplier<String> requestId,
        Deadline deadline,
        BooleanSupplier cancelled,
        Consumer<OperationProgress> progress,
        boolean retriedByCore,
        CallObserver observer,
        boolean deadlineEndedByCore) {
      return new CallContext(
          null,
          Objects.requireNonNull(requestId, "requestId"),
          deadline,
          cancelled,
          progress,
          retriedByCore,
          observer,
          deadlineEndedByCore);
    }
  }
}
