package io.serve4j.spi;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Chains of asynchronous steps whose cancellation reaches the step in flight. {@link
 * CompletableFuture#thenCompose} does not pass cancellation on: cancelling its result leaves the
 * running call going. Core cancels a call's future at its deadline and when the caller cancels, so
 * a provider whose call is two steps (read a key, then call the service; describe, then predict)
 * chains them here, and cancelling the call cancels whichever step is running:
 *
 * <pre>{@code
 * return CancellableFutures.thenCompose(
 *     descriptions.read(endpoint, ctx),            // cancelled if the call is cancelled now
 *     d -> sdk.predict(d, request, ctx));          // or this, once it runs
 * }</pre>
 */
public final class CancellableFutures {
  private CancellableFutures() {}

  /**
   * Runs {@code next} on {@code first}'s result, as one future whose cancellation (by {@link
   * CompletableFuture#cancel} or completion with a {@link CancellationException}) cancels whichever
   * of the two stages is in flight; {@code next} is not called once the result is done. The result
   * fails with the first stage's or the second's failure unwrapped (no {@link CompletionException}
   * or {@link ExecutionException} around it), with what {@code next} throws, or with an {@link
   * IllegalStateException} if {@code next} returns null. {@code next} runs on the thread that
   * completes {@code first} (or the caller's, if {@code first} is done already): it must not block.
   *
   * @param first the first stage
   * @param next starts the second stage from the first's result
   * @param <A> the first stage's result
   * @param <B> the second stage's result
   * @return the second stage's result
   * @throws NullPointerException if an argument is null
   */
  public static <A, B> CompletableFuture<B> thenCompose(
      CompletableFuture<A> first, Function<? super A, ? extends CompletableFuture<B>> next) {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(next, "next");
    Then<A, B> out = new Then<>(first, next);
    first.whenComplete(out);
    return out;
  }

  /** Strips completion wrappers, as a blocking get or join of the stage would. */
  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The future of {@link #thenCompose}: one object is the result, the first stage's callback and
   * the cancellation link.
   */
  private static final class Then<A, B> extends CompletableFuture<B>
      implements BiConsumer<A, Throwable> {
    private final Function<? super A, ? extends CompletableFuture<B>> next;
    private volatile CompletableFuture<?> current;

    Then(CompletableFuture<A> first, Function<? super A, ? extends CompletableFuture<B>> next) {
      this.next = next;
      this.current = first;
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      boolean cancelled = super.cancel(mayInterrupt);
      if (isCancelled()) {
        current.cancel(true);
      }
      return cancelled;
    }

    @Override
    public boolean completeExceptionally(Throwable error) {
      boolean completed = super.completeExceptionally(error);
      if (completed && error instanceof CancellationException) {
        current.cancel(true);
      }
      return completed;
    }

    /** The first stage completed. */
    @Override
    public void accept(A value, Throwable error) {
      if (isDone()) {
        return;
      }
      if (error != null) {
        completeExceptionally(unwrap(error));
        return;
      }
      CompletableFuture<B> second;
      try {
        second = next.apply(value);
      } catch (RuntimeException | Error e) {
        completeExceptionally(unwrap(e));
        return;
      }
      if (second == null) {
        completeExceptionally(new IllegalStateException("the next stage returned null"));
        return;
      }
      current = second;
      if (isDone()) {
        second.cancel(true); // cancelled while the second stage was being started
        return;
      }
      second.whenComplete(
          (v, e) -> {
            if (e == null) {
              complete(v);
            } else {
              completeExceptionally(unwrap(e));
            }
          });
    }
  }
}
