package io.serve4j.spi;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.internal.ClientScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
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
    Loop<T> loop =
        new Loop<>(new Wait<>(check, done, describe, interval, retryAfter, context, scheduler));
    ClientScheduler.hold(scheduler, loop);
    loop.result.whenComplete(loop);
    loop.run();
    return loop.result;
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

  /** What one wait was given, as {@link #until} was called. */
  private record Wait<T>(
      Supplier<CompletableFuture<T>> check,
      Predicate<T> done,
      Function<T, String> describe,
      Duration interval,
      Function<T, Duration> retryAfter,
      CallContext context,
      ScheduledExecutorService scheduler) {}

  /**
   * One wait: its steps, and its registration with a client's scheduler, which lets it finish when
   * the client closes and runs its next step at once when its operation was stopped.
   */
  private static final class Loop<T>
      implements Runnable, ClientScheduler.Held, BiConsumer<Object, Throwable> {
    private final Wait<T> wait;
    private final CallContext context;
    final CompletableFuture<T> result = new CompletableFuture<>();
    private volatile ScheduledFuture<?> next;
    private volatile String last = "(no answer yet)";

    Loop(Wait<T> wait) {
      this.wait = wait;
      this.context = wait.context();
    }

    /** The loop is over: the client's scheduler no longer waits for it. */
    @Override
    public void accept(Object v, Throwable e) {
      ClientScheduler.release(wait.scheduler(), this);
    }

    @Override
    public boolean isDone() {
      return result.isDone();
    }

    @Override
    public void expediteIfStopped() {
      ScheduledFuture<?> n = next;
      if (context.isCancelled() && n != null && n.cancel(false)) {
        later(0);
      }
    }

    @Override
    public String describe() {
      return "polling (request " + context.requestId() + "): " + last;
    }

    /** One step: a status check, then the next step after the pause. */
    @Override
    public void run() {
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
        attempt = wait.check().get();
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
              if (wait.done().test(value)) {
                result.complete(value);
                return;
              }
              String d = wait.describe().apply(value);
              last = d;
              context.progress(d, -1);
            } catch (RuntimeException e) {
              result.completeExceptionally(e);
              return;
            }
            // A stopped operation's wait has nothing left to do but notice it: no pause.
            later(
                context.isCancelled()
                    ? 0
                    : pause(wait.interval(), wait.retryAfter().apply(value), context.deadline())
                        .toNanos());
          });
    }

    private void later(long waitNanos) {
      try {
        next = wait.scheduler().schedule(this, Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException shutDown) {
        // The scheduler was shut down (its client closed past its grace, or the caller's own):
        // end the wait typed rather than leave it, and whatever undo follows it, hanging.
        result.completeExceptionally(
            ServingException.builder(ErrorCategory.UNAVAILABLE)
                .retryable(false)
                .message("the scheduler of this wait was shut down (its client was closed)")
                .cause(shutDown)
                .build());
      }
    }
  }
}
