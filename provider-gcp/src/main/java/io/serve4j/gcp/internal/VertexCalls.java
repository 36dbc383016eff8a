package io.serve4j.gcp.internal;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.grpc.GrpcStatusCode;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ApiCallContext;
import com.google.api.gax.rpc.DeadlineExceededException;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Status;
import io.serve4j.spi.CallContext;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One gapic call as a {@link CompletableFuture}: one attempt (core owns retries), ended at the
 * caller's deadline (a gRPC deadline for most calls; for predictions, on the client: {@link
 * #predictCall}), and cancellation of the result cancelling the call.
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
   * timeout (the deadline is enforced on the client), built once (the prediction client's settings
   * say the same, {@code VertexClients.predictionSettings}).
   */
  private static final ApiCallContext ONE_ATTEMPT =
      GrpcCallContext.createDefault()
          .withRetryableCodes(Set.of())
          .withRetrySettings(RetrySettings.newBuilder().setMaxAttempts(1).build());

  /**
   * Starts a Predict or RawPredict call (whose client settings already make one attempt with no gax
   * timeout, {@code VertexClients.predictionSettings}) as the Vertex AI client's own default call
   * makes it, with no gRPC deadline, and ends it at the caller's deadline on the client: a watch of
   * core's deadline watchdog ({@link io.serve4j.spi.Deadline#onExpiry}) fails the result with
   * DEADLINE_EXCEEDED (TIMEOUT) and cancels the RPC, which the server sees as CANCELLED. A gRPC
   * deadline would cost a deadline context and, on the server, a deadline timer per call
   * (BENCHMARKS.md, remote path). The watch is released when the call ends. Cancelling the result
   * cancels the call.
   *
   * @param ctx the caller's context
   * @param start starts the call with the gax call context to use
   * @param <T> the response
   * @return the response
   */
  static <T> CompletableFuture<T> predictCall(
      CallContext ctx, Function<ApiCallContext, ApiFuture<T>> start) {
    io.serve4j.spi.Deadline deadline = ctx.deadline();
    ApiFuture<T> call = start.apply(ONE_ATTEMPT);
    if (!deadline.isFinite()) {
      return unary(call, null);
    }
    Expiry<T> expiry = new Expiry<>(call);
    CompletableFuture<T> out = unary(call, expiry);
    expiry.arm(out, deadline);
    return out;
  }

  /**
   * Ends a call at its deadline: fails its result with DEADLINE_EXCEEDED, then cancels the RPC.
   * Released (the watch cancelled) when the call ends first.
   */
  private static final class Expiry<T> implements Runnable {
    private final ApiFuture<T> call;
    private volatile CompletableFuture<T> out;
    private volatile io.serve4j.spi.Deadline.Watch watch;
    private volatile boolean released;

    Expiry(ApiFuture<T> call) {
      this.call = call;
    }

    void arm(CompletableFuture<T> result, io.serve4j.spi.Deadline deadline) {
      out = result;
      io.serve4j.spi.Deadline.Watch w = deadline.onExpiry(this);
      watch = w;
      if (released || result.isDone()) {
        w.cancel(); // the call ended before the watch was set
      }
    }

    void release() {
      released = true;
      io.serve4j.spi.Deadline.Watch w = watch;
      if (w != null) {
        w.cancel();
      }
    }

    @Override
    public void run() {
      CompletableFuture<T> result = out;
      if (result != null
          && result.completeExceptionally(
              new DeadlineExceededException(
                  Status.DEADLINE_EXCEEDED
                      .withDescription("the call's deadline passed; the call was cancelled")
                      .asRuntimeException(),
                  GrpcStatusCode.of(Status.Code.DEADLINE_EXCEEDED),
                  false))) {
        call.cancel(true);
      }
    }
  }

  /** Adapts a gax future; cancelling the result cancels the call. */
  static <T> CompletableFuture<T> unary(ApiFuture<T> f) {
    return unary(f, null);
  }

  /**
   * Adapts a gax future, releasing the call's deadline watch (if any) when it ends and before the
   * result completes; cancelling the result cancels the call.
   */
  private static <T> CompletableFuture<T> unary(ApiFuture<T> f, Expiry<T> scope) {
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
              scope.release();
            }
            out.completeExceptionally(t);
          }

          @Override
          public void onSuccess(T result) {
            if (scope != null) {
              scope.release();
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
