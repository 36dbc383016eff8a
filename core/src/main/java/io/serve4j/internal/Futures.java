package io.serve4j.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Helpers to move between futures and typed exceptions. */
public final class Futures {
  private Futures() {}

  /**
   * Unwraps completion wrappers and turns anything that is not a {@link ServingException} into an
   * INTERNAL one, adding the provider id where missing.
   *
   * @param error a failure from a future
   * @param providerId the provider, or null
   * @return the typed exception
   */
  public static ServingException toServing(Throwable error, String providerId) {
    Throwable t = unwrap(error);
    ServingException e;
    if (t instanceof ServingException se) {
      e = se;
    } else {
      e =
          ServingException.builder(ErrorCategory.INTERNAL)
              .message("unexpected " + t.getClass().getName() + ": " + t.getMessage())
              .cause(t)
              .build();
    }
    if (providerId != null && e.providerId().isEmpty()) {
      ServingException withId = e.toBuilder().providerId(providerId).build();
      withId.setStackTrace(e.getStackTrace());
      for (Throwable s : e.getSuppressed()) {
        withId.addSuppressed(s);
      }
      return withId;
    }
    return e;
  }

  /**
   * Strips {@link CompletionException} and {@link ExecutionException} wrappers.
   *
   * @param error the failure
   * @return the root failure
   */
  public static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Joins a future, rethrowing its failure as the unwrapped {@link ServingException} (or {@link
   * CancellationException} if cancelled).
   *
   * @param future the future
   * @param providerId the provider, or null
   * @param <T> the result
   * @return the result
   */
  public static <T> T join(CompletableFuture<T> future, String providerId) {
    try {
      return future.join();
    } catch (CancellationException e) {
      throw e;
    } catch (CompletionException e) {
      Throwable t = unwrap(e);
      if (t instanceof CancellationException ce) {
        throw ce;
      }
      throw toServing(t, providerId);
    }
  }

  /**
   * Calls a supplier of a future, turning a synchronous throw into a failed future.
   *
   * @param call the call
   * @param <T> the result
   * @return the future
   */
  public static <T> CompletableFuture<T> safely(
      java.util.function.Supplier<CompletableFuture<T>> call) {
    try {
      CompletableFuture<T> f = call.get();
      return f != null
          ? f
          : CompletableFuture.failedFuture(new IllegalStateException("provider returned null"));
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@link #safely(java.util.function.Supplier)} for a call that takes one argument, without a
   * capturing lambda (one fewer class spun on a cold deploy).
   *
   * @param call the call
   * @param argument its argument
   * @param <A> the argument type
   * @param <T> the result
   * @return the call's future, or a failed one
   */
  public static <A, T> CompletableFuture<T> safely(
      java.util.function.Function<A, CompletableFuture<T>> call, A argument) {
    try {
      CompletableFuture<T> f = call.apply(argument);
      return f != null
          ? f
          : CompletableFuture.failedFuture(new IllegalStateException("provider returned null"));
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
