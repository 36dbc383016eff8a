package io.serve4j.gcp.internal;

import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Makes a multi-step operation (deploy, update, batch job) all-or-nothing: each step that changes
 * something registers how to undo it; if a later step fails, or the caller cancels, the undo
 * actions run newest first and the operation fails. Cancellation is honoured between steps, never
 * by abandoning a call or operation in flight, so everything created is known and undone and
 * nothing is created after the cancel.
 */
final class Rollback {
  /** How long undo actions may take; not the caller's deadline, which may be what expired. */
  private static final Duration UNDO_TIME = Duration.ofMinutes(10);

  private final CallContext caller;
  private final CallContext steady;
  private final Deque<Function<CallContext, CompletableFuture<?>>> undo = new ArrayDeque<>();
  private final Deque<Function<CallContext, CompletableFuture<?>>> undoLast = new ArrayDeque<>();

  Rollback(CallContext caller) {
    this.caller = caller;
    this.steady =
        CallContext.builder(caller.deadline())
            .requestId(caller.requestId())
            .progress(p -> caller.progress(p.message(), p.fraction()))
            .retriedByCore(caller.retriedByCore())
            .build();
  }

  /** The caller's context without its cancellation: for the calls and waits of the steps. */
  CallContext context() {
    return steady;
  }

  /** Throws a CancellationException if the caller cancelled: call before each step. */
  void check() {
    if (caller.isCancelled()) {
      throw new CancellationException("cancelled by the caller");
    }
  }

  /** Registers how to undo the step just done. */
  synchronized void onFailure(Function<CallContext, CompletableFuture<?>> action) {
    undo.push(action);
  }

  /** Registers an undo that runs after all others (deleting a model once nothing runs it). */
  synchronized void onFailureLast(Function<CallContext, CompletableFuture<?>> action) {
    undoLast.push(action);
  }

  /**
   * Runs the operation; on failure or cancellation (checked once more at the end) undoes its steps
   * before the returned future fails. Cancelling the returned future stops nothing: the operation
   * notices at its next step.
   */
  <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> body) {
    CompletableFuture<T> inner;
    try {
      inner = body.get();
    } catch (RuntimeException e) {
      inner = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    inner
        .thenApply(
            v -> {
              check();
              return v;
            })
        .whenComplete(
            (v, e) -> {
              if (e == null) {
                out.complete(v);
              } else {
                undoAll().whenComplete((x, y) -> out.completeExceptionally(e));
              }
            });
    return out;
  }

  private CompletableFuture<Void> undoAll() {
    CallContext cleanup =
        CallContext.builder(Deadline.after(UNDO_TIME)).requestId(caller.requestId()).build();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    synchronized (this) {
      while (!undo.isEmpty() || !undoLast.isEmpty()) {
        Function<CallContext, CompletableFuture<?>> action =
            undo.isEmpty() ? undoLast.pop() : undo.pop();
        chain =
            chain
                .thenCompose(v -> safely(() -> action.apply(cleanup)))
                .exceptionally(e -> null)
                .thenApply(x -> (Void) null);
      }
    }
    return chain;
  }

  private static CompletableFuture<?> safely(Supplier<CompletableFuture<?>> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
