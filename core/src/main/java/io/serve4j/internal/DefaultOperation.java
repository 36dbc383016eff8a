package io.serve4j.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.Operation;
import io.serve4j.OperationKind;
import io.serve4j.OperationProgress;
import io.serve4j.ServingException;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.CallObserver;
import io.serve4j.spi.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one {@link Operation} implementation: runs a provider hook with a {@link CallContext} whose
 * cancellation flag turns true on {@link #cancel()} or when the operation's deadline passes (the
 * operation then fails with a TimeoutException, and the provider's polling stops).
 *
 * @param <T> the result
 */
final class DefaultOperation<T> implements Operation<T> {
  private final OperationKind kind;
  private final String description;
  private final String providerId;
  private final String requestId;
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final List<Consumer<OperationProgress>> listeners = new CopyOnWriteArrayList<>();
  private volatile OperationProgress last;
  private volatile CompletableFuture<?> work;

  private DefaultOperation(
      OperationKind kind, String description, String providerId, String requestId) {
    this.kind = kind;
    this.requestId = requestId;
    this.description = description;
    this.providerId = providerId;
  }

  /**
   * Starts an operation.
   *
   * @param kind what it does
   * @param description e.g. "deploy endpoint fraud"
   * @param providerId the provider
   * @param requestId the operation's request id, from {@link RequestIds}
   * @param deadline when it must be done
   * @param hook the work, given a context wired to this operation
   * @param <T> the result
   * @return the running operation
   */
  static <T> DefaultOperation<T> start(
      OperationKind kind,
      String description,
      String providerId,
      String requestId,
      Deadline deadline,
      Function<CallContext, CompletableFuture<T>> hook) {
    return start(kind, description, providerId, requestId, deadline, CallObserver.NONE, hook);
  }

  /**
   * Starts an operation whose provider can reach the listeners of the call.
   *
   * @param kind what it does
   * @param description e.g. "deploy endpoint fraud"
   * @param providerId the provider
   * @param requestId the operation's request id, from {@link RequestIds}
   * @param deadline when it must be done
   * @param observer what the listeners hear through the context
   * @param hook the work, given a context wired to this operation
   * @param <T> the result
   * @return the running operation
   */
  static <T> DefaultOperation<T> start(
      OperationKind kind,
      String description,
      String providerId,
      String requestId,
      Deadline deadline,
      CallObserver observer,
      Function<CallContext, CompletableFuture<T>> hook) {
    DefaultOperation<T> op = new DefaultOperation<>(kind, description, providerId, requestId);
    Wiring<T> wiring = new Wiring<>(op, deadline);
    CallContext context =
        CallContext.builder(deadline)
            .requestId(requestId)
            .cancelled(wiring)
            .progress(wiring)
            .observer(observer)
            .build();
    // The deadline is watched by the shared deadline watchdog (Deadline.onExpiry), as calls are:
    // no timer task on the client's scheduler, which a local deploy then never starts.
    wiring.timer = deadline.onExpiry(wiring);
    CompletableFuture<T> w = Futures.safely(hook, context);
    op.work = w;
    w.whenComplete(wiring);
    return op;
  }

  /**
   * An operation's side of its provider's context (cancelled flag, progress), its deadline timer
   * and its completion, as one class rather than four lambdas: each lambda spins a class at first
   * use, which every cold deploy paid.
   *
   * @param <T> the result
   */
  private static final class Wiring<T>
      implements BooleanSupplier, Consumer<OperationProgress>, Runnable, BiConsumer<T, Throwable> {
    private final DefaultOperation<T> op;
    private final Deadline deadline;
    private volatile Deadline.Watch timer;

    Wiring(DefaultOperation<T> op, Deadline deadline) {
      this.op = op;
      this.deadline = deadline;
    }

    /** The context's cancelled flag. */
    @Override
    public boolean getAsBoolean() {
      return op.stopped.get();
    }

    /** The context's progress. */
    @Override
    public void accept(OperationProgress progress) {
      op.report(progress);
    }

    /** The deadline timer. */
    @Override
    public void run() {
      // Flag the provider's context as stopped before the caller can see the timeout (a caller
      // that checks right after await must find it set), then fail with the timeout before
      // cancelling the work.
      op.stopped.set(true);
      op.result.completeExceptionally(op.timeoutError(null));
      CompletableFuture<?> w = op.work;
      if (w != null) {
        w.cancel(true);
      }
    }

    /** The work's completion. */
    @Override
    public void accept(T value, Throwable error) {
      Deadline.Watch t = timer;
      if (t != null) {
        t.cancel();
      }
      if (error == null) {
        op.result.complete(value);
        return;
      }
      Throwable cause = Futures.unwrap(error);
      boolean cancelled = cause instanceof CancellationException;
      if (deadline.isExpired()
          && (cancelled
              || cause instanceof ServingException se && se.category() == ErrorCategory.TIMEOUT)) {
        // The work stopped because of the operation's deadline (cancelled by the timer, or its
        // own wait on the same deadline ran out first): the caller sees the operation's timeout,
        // whichever side noticed first.
        op.result.completeExceptionally(op.timeoutError(cancelled ? null : cause));
      } else if (cancelled) {
        op.result.cancel(false);
      } else {
        op.result.completeExceptionally(op.withRequestId(Futures.toServing(error, op.providerId)));
      }
    }
  }

  private ServingException withRequestId(ServingException se) {
    if (requestId == null || se.requestId().isPresent()) {
      return se;
    }
    ServingException withId = se.toBuilder().requestId(requestId).build();
    withId.setStackTrace(se.getStackTrace());
    return withId;
  }

  private ServingException timeoutError(Throwable cause) {
    return ServingException.builder(ErrorCategory.TIMEOUT)
        .providerId(providerId)
        .requestId(requestId)
        .message(description + " did not finish before its deadline")
        .cause(cause)
        .build();
  }

  /**
   * An operation that has already finished.
   *
   * @param kind what it did
   * @param description description
   * @param providerId provider
   * @param value the result
   * @param <T> the result type
   * @return a done operation
   */
  static <T> DefaultOperation<T> completed(
      OperationKind kind, String description, String providerId, T value) {
    DefaultOperation<T> op = new DefaultOperation<>(kind, description, providerId, null);
    op.result.complete(value);
    return op;
  }

  /**
   * Maps the result of another operation, sharing its cancellation and progress.
   *
   * @param source the operation to map
   * @param mapper the mapping, run on the completing thread
   * @param <S> source result
   * @param <T> mapped result
   * @return the mapped operation
   */
  static <S, T> DefaultOperation<T> map(DefaultOperation<S> source, Function<S, T> mapper) {
    DefaultOperation<T> op =
        new DefaultOperation<>(
            source.kind, source.description, source.providerId, source.requestId);
    op.work = source.result;
    Mapping<S, T> mapping = new Mapping<>(source, op, mapper);
    source.onProgress(mapping);
    source.result.whenComplete(mapping);
    op.result.whenComplete(new CancelSource(source, op));
    return op;
  }

  /**
   * A mapped operation's progress and result from its source's (a class, not lambdas: see {@link
   * Wiring}).
   *
   * @param <S> source result
   * @param <T> mapped result
   */
  private static final class Mapping<S, T>
      implements Consumer<OperationProgress>, BiConsumer<S, Throwable> {
    private final DefaultOperation<S> source;
    private final DefaultOperation<T> op;
    private final Function<S, T> mapper;

    Mapping(DefaultOperation<S> source, DefaultOperation<T> op, Function<S, T> mapper) {
      this.source = source;
      this.op = op;
      this.mapper = mapper;
    }

    @Override
    public void accept(OperationProgress progress) {
      op.report(progress);
    }

    @Override
    public void accept(S v, Throwable e) {
      if (e != null) {
        if (source.result.isCancelled()) {
          op.result.cancel(false);
        } else {
          op.result.completeExceptionally(Futures.unwrap(e));
        }
        return;
      }
      try {
        op.result.complete(mapper.apply(v));
      } catch (RuntimeException ex) {
        op.result.completeExceptionally(Futures.toServing(ex, source.providerId));
      }
    }
  }

  /** Cancelling a mapped operation cancels its source. */
  private static final class CancelSource implements BiConsumer<Object, Throwable> {
    private final DefaultOperation<?> source;
    private final DefaultOperation<?> op;

    CancelSource(DefaultOperation<?> source, DefaultOperation<?> op) {
      this.source = source;
      this.op = op;
    }

    @Override
    public void accept(Object v, Throwable e) {
      if (op.result.isCancelled()) {
        source.cancel();
      }
    }
  }

  /**
   * Runs {@code action} when the operation's result is in, with the result or the failure as the
   * operation holds it ({@link #future()} without the copy: for the client's own bookkeeping).
   *
   * @param action what to run
   */
  void whenDone(BiConsumer<? super T, ? super Throwable> action) {
    result.whenComplete(action);
  }

  private void report(OperationProgress progress) {
    last = progress;
    for (Consumer<OperationProgress> l : listeners) {
      try {
        l.accept(progress);
      } catch (RuntimeException ignored) {
        // a listener's failure must not break the operation
      }
    }
  }

  @Override
  public OperationKind kind() {
    return kind;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public T await() {
    return Futures.join(result, providerId);
  }

  @Override
  public T await(Duration timeout) {
    try {
      return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw ServingException.builder(ErrorCategory.TIMEOUT)
          .providerId(providerId)
          .requestId(requestId)
          .message(
              description
                  + " did not finish within "
                  + timeout
                  + "; it goes on until cancelled or its own deadline")
          .build();
    } catch (ExecutionException e) {
      throw Futures.toServing(e, providerId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ServingException.builder(ErrorCategory.INTERNAL)
          .providerId(providerId)
          .message("interrupted while waiting for " + description)
          .cause(e)
          .build();
    }
  }

  @Override
  public CompletableFuture<T> future() {
    CompletableFuture<T> copy = new CompletableFuture<>();
    result.whenComplete(
        (v, e) -> {
          if (e == null) {
            copy.complete(v);
          } else if (result.isCancelled()) {
            copy.cancel(false);
          } else {
            copy.completeExceptionally(Futures.unwrap(e));
          }
        });
    copy.whenComplete(
        (v, e) -> {
          if (copy.isCancelled()) {
            cancel();
          }
        });
    return copy;
  }

  /**
   * Fails the operation with {@code error} (the client closed) and cancels its work.
   *
   * @param error the failure
   */
  void abort(ServingException error) {
    stopped.set(true);
    if (result.completeExceptionally(error)) {
      CompletableFuture<?> w = work;
      if (w != null) {
        w.cancel(true);
      }
    }
  }

  @Override
  public boolean cancel() {
    stopped.set(true);
    boolean cancelled = result.completeExceptionally(new CancellationException(description));
    CompletableFuture<?> w = work;
    if (w != null) {
      w.cancel(true);
    }
    return cancelled;
  }

  @Override
  public boolean isDone() {
    return result.isDone();
  }

  @Override
  public Operation<T> onProgress(Consumer<OperationProgress> listener) {
    listeners.add(listener);
    OperationProgress p = last;
    if (p != null) {
      listener.accept(p);
    }
    return this;
  }

  @Override
  public Optional<OperationProgress> lastProgress() {
    return Optional.ofNullable(last);
  }

  @Override
  public String toString() {
    return "Operation[" + description + (isDone() ? ", done" : ", running") + "]";
  }
}
