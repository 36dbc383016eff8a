package io.serve4j.azure.internal;

import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a multi-step operation changed in the workspace, undone in reverse order when the operation
 * fails or its caller cancels it: a created resource is deleted, an updated one is put back as it
 * was. An undo is recorded before the call it undoes is sent (the call may have taken effect even
 * if its answer is an error), and runs only once the operation's steps have stopped, so that no
 * step still in flight recreates what was undone.
 */
final class UndoLog {
  /** How long undoing may take: deleting an Azure ML deployment takes minutes. */
  private static final Duration UNDO_TIME = Duration.ofMinutes(30);

  private final Deque<Supplier<CompletableFuture<?>>> undos = new ConcurrentLinkedDeque<>();

  private UndoLog() {}

  /**
   * Runs an operation's steps; if they fail, or the caller cancelled, undoes what they recorded,
   * then fails (or ends cancelled).
   *
   * @param ctx the caller's call
   * @param steps the steps, given the log to record undos in
   * @param <T> the result
   * @return the steps' result, or their failure once undone
   */
  static <T> CompletableFuture<T> run(
      CallContext ctx, Function<UndoLog, CompletableFuture<T>> steps) {
    UndoLog log = new UndoLog();
    CompletableFuture<T> inner;
    try {
      inner = steps.apply(log);
    } catch (RuntimeException e) {
      inner = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    inner.whenComplete(
        (v, e) -> {
          if (e == null && !ctx.isCancelled()) {
            out.complete(v);
            return;
          }
          Throwable failure = e != null ? e : new CancellationException("cancelled");
          log.undo()
              .whenComplete(
                  (x, undoFailure) -> {
                    if (undoFailure != null) {
                      failure.addSuppressed(undoFailure);
                    }
                    out.completeExceptionally(failure);
                  });
        });
    return out;
  }

  /**
   * A context for undoing: not cancelled by the caller (the caller's cancel is why it runs), with a
   * deadline of its own.
   *
   * @return the context
   */
  static CallContext context() {
    return CallContext.of(Deadline.after(UNDO_TIME));
  }

  /**
   * Records how to undo the call about to be sent.
   *
   * @param undo starts the undo
   */
  void add(Supplier<CompletableFuture<?>> undo) {
    undos.push(undo);
  }

  /**
   * Runs every undo, last recorded first, each after the one before ended, whatever its outcome.
   */
  private CompletableFuture<Void> undo() {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    Throwable[] first = {null};
    Supplier<CompletableFuture<?>> next;
    while ((next = undos.poll()) != null) {
      Supplier<CompletableFuture<?>> u = next;
      chain =
          chain
              .thenCompose(
                  x -> {
                    try {
                      return u.get();
                    } catch (RuntimeException e) {
                      return CompletableFuture.failedFuture(e);
                    }
                  })
              .handle(
                  (x, e) -> {
                    if (e != null && first[0] == null) {
                      first[0] = e;
                    }
                    return null;
                  });
    }
    return chain.thenCompose(
        x ->
            first[0] == null
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(first[0]));
  }
}
