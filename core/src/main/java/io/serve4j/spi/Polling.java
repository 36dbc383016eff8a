package io.serve4j.spi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Asynchronous polling for long-running operations that honours the caller's deadline and
 * cancellation: the one loop every provider uses to wait for a cloud resource.
 *
 * <pre>{@code
 * return Polling.until(
 *     () -> describe(name),                         // one async status check
 *     d -> d.status().isTerminal(),                 // done?
 *     d -> "endpoint " + name + " is " + d.status(), // progress message
 *     Duration.ofSeconds(15), context, scheduler);
 * }</pre>
 */
public final class Polling {
  private Polling() {}

  /**
   * Polls until {@code done} holds, the deadline passes (TimeoutException) or the context is
   * cancelled (the future is cancelled).
   *
   * @param check one status check
   * @param done whether a result ends the wait
   * @param describe progress message of a result
   * @param interval pause between checks
   * @param context deadline, cancellation and progress
   * @param scheduler where to wait; never blocked
   * @param <T> the status type
   * @return the first result for which {@code done} holds
   */
  public static <T> CompletableFuture<T> until(
      Supplier<CompletableFuture<T>> check,
      Predicate<T> done,
      Function<T, String> describe,
      Duration interval,
      CallContext context,
      ScheduledExecutorService scheduler) {
    return until(check, done, describe, interval, t -> null, context, scheduler);
  }

  /**
   * Polls like {@link #until(Supplier, Predicate, Function, Duration, CallContext,
   * ScheduledExecutorService)}, honouring the service's {@code Retry-After}: after a status whose
   * {@code retryAfter} is given, the next check waits that long if it is longer than {@code
   * interval} (never past the deadline, where the wait ends in a TimeoutException).
   *
   * @param check one status check
   * @param done whether a result ends the wait
   * @param describe progress message of a result
   * @param interval the least pause between checks
   * @param retryAfter the service's Retry-After of a result, or null if it sent none
   * @param context deadline, cancellation and progress
   * @param scheduler where to wait; never blocked
   * @param <T> the status type
   * @return the first result for which {@code done} holds
   */
  public static <T> CompletableFuture<T> until(
      Supplier<CompletableFuture<T>> check,
      Predicate<T> done,
      Function<T, String> describe,
      Duration interval,
      Function<T, Duration> retryAfter,
      CallContext context,
      ScheduledExecutorService scheduler) {
    CompletableFuture<T> result = new CompletableFuture<>();
    step(check, done, describe, interval, retryAfter, context, scheduler, result);
    return result;
  }

  /**
   * The pause before the next check: the interval, or the service's Retry-After if longer, never
   * past the deadline.
   *
   * @param interval the least pause
   * @param retryAfter the service's Retry-After, or null
   * @param deadline the caller's deadline
   * @return the pause
   */
  static Duration pause(Duration interval, Duration retryAfter, Deadline deadline) {
    Duration wait =
        retryAfter != null && retryAfter.compareTo(interval) > 0 ? retryAfter : interval;
    Duration left = deadline.remaining();
    return wait.compareTo(left) > 0 ? left : wait;
  }

  private static <T> void step(
      Supplier<CompletableFuture<T>> check,
      Predicate<T> done,
      Function<T, String> describe,
      Duration interval,
      Function<T, Duration> retryAfter,
      CallContext context,
      ScheduledExecutorService scheduler,
      CompletableFuture<T> result) {
    if (result.isDone()) {
      return;
    }
    if (context.isCancelled()) {
      result.cancel(false);
      return;
    }
    if (context.deadline().isExpired()) {
      result.completeExceptionally(context.deadline().timeoutError("waiting"));
      return;
    }
    CompletableFuture<T> attempt;
    try {
      attempt = check.get();
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    attempt.whenComplete(
        (value, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
            return;
          }
          try {
            if (done.test(value)) {
              result.complete(value);
              return;
            }
            context.progress(describe.apply(value), -1);
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
          }
          long waitNanos = pause(interval, retryAfter.apply(value), context.deadline()).toNanos();
          scheduler.schedule(
              () -> step(check, done, describe, interval, retryAfter, context, scheduler, result),
              Math.max(0, waitNanos),
              TimeUnit.NANOSECONDS);
        });
  }
}
