package io.serve4j.gcp.internal;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ApiCallContext;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.serve4j.spi.CallContext;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One gapic call as a {@link CompletableFuture}: the caller's remaining time as the gRPC deadline,
 * one attempt (core owns retries), and cancellation of the result cancelling the call.
 */
final class VertexCalls {
  private VertexCalls() {}

  /**
   * Per-call gRPC context: the caller's remaining time as the gRPC deadline of this one call, one
   * attempt and no retryable codes (core owns retries).
   */
  static ApiCallContext callContext(CallContext ctx) {
    Duration left = ctx.deadline().remaining();
    if (left.isZero()) {
      left = Duration.ofMillis(1);
    }
    return GrpcCallContext.createDefault()
        .withTimeoutDuration(left)
        .withRetryableCodes(Set.of())
        .withRetrySettings(
            RetrySettings.newBuilder()
                .setTotalTimeoutDuration(left)
                .setInitialRpcTimeoutDuration(left)
                .setMaxRpcTimeoutDuration(left)
                .setRpcTimeoutMultiplier(1.0)
                .setMaxAttempts(1)
                .build());
  }

  /**
   * The gax call context of {@link #predictCall}: one attempt, no retryable codes and no call
   * timeout (the deadline is the gRPC context's), built once (the prediction client's settings say
   * the same, {@code VertexClients.predictionSettings}).
   */
  private static final ApiCallContext ONE_ATTEMPT =
      GrpcCallContext.createDefault()
          .withRetryableCodes(Set.of())
          .withRetrySettings(RetrySettings.newBuilder().setMaxAttempts(1).build());

  /**
   * Starts a Predict or RawPredict call (whose client settings already make one attempt with no gax
   * timeout, {@code VertexClients.predictionSettings}) with the caller's remaining time as its gRPC
   * deadline, carried by an {@code io.grpc.Context} instead of the call options: gRPC sends it to
   * the server all the same ({@code grpc-timeout}) and ends the call with DEADLINE_EXCEEDED when
   * the context's deadline passes, but starts no deadline timer of its own for a call whose
   * deadline is its context's. The context's deadline is a watch of core's watchdog ({@link
   * DeadlineScheduler}), released when the call ends. Cancelling the result cancels the call.
   *
   * @param ctx the caller's context
   * @param start starts the call with the gax call context to use
   * @param <T> the response
   * @return the response
   */
  static <T> CompletableFuture<T> predictCall(
      CallContext ctx, Function<ApiCallContext, ApiFuture<T>> start) {
    io.serve4j.spi.Deadline deadline = ctx.deadline();
    if (!deadline.isFinite()) {
      return unary(start.apply(ONE_ATTEMPT), null);
    }
    long left = Math.max(deadline.remaining().toNanos(), MIN_DEADLINE_NANOS);
    Context.CancellableContext scope =
        Context.current()
            .withDeadline(
                io.grpc.Deadline.after(left, TimeUnit.NANOSECONDS), DeadlineScheduler.INSTANCE);
    Context previous = scope.attach();
    ApiFuture<T> call;
    try {
      call = start.apply(ONE_ATTEMPT);
    } catch (RuntimeException | Error e) {
      scope.cancel(null);
      throw e;
    } finally {
      scope.detach(previous);
    }
    return unary(call, scope);
  }

  /** An expired deadline still reaches the wire as one millisecond, as it did as a call timeout. */
  private static final long MIN_DEADLINE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Adapts a gax future; cancelling the result cancels the call. */
  static <T> CompletableFuture<T> unary(ApiFuture<T> f) {
    return unary(f, null);
  }

  /**
   * Adapts a gax future, releasing the call's gRPC context (if any) when it ends and before the
   * result completes; cancelling the result cancels the call.
   */
  private static <T> CompletableFuture<T> unary(ApiFuture<T> f, Context.CancellableContext scope) {
    CompletableFuture<T> out =
        new CompletableFuture<>() {
          @Override
          public boolean cancel(boolean mayInterrupt) {
            f.cancel(true);
            return super.cancel(mayInterrupt);
          }
        };
    ApiFutures.addCallback(
        f,
        new ApiFutureCallback<T>() {
          @Override
          public void onFailure(Throwable t) {
            if (scope != null) {
              scope.cancel(null);
            }
            out.completeExceptionally(t);
          }

          @Override
          public void onSuccess(T result) {
            if (scope != null) {
              scope.cancel(null);
            }
            out.complete(result);
          }
        },
        MoreExecutors.directExecutor());
    return out;
  }

  /** Runs {@code step} for each item, one after the other. */
  static <T> CompletableFuture<Void> sequence(
      List<T> items, Function<T, CompletableFuture<?>> step) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (T item : items) {
      chain = chain.thenCompose(v -> step.apply(item).thenApply(x -> (Void) null));
    }
    return chain;
  }
}
