package io.serve4j.gcp.internal;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ApiCallContext;
import com.google.common.util.concurrent.MoreExecutors;
import io.serve4j.spi.CallContext;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
   * What {@link #predictContext} adds the deadline to: one attempt and no retryable codes, built
   * once (the prediction client's settings say the same, {@code VertexClients.predictionSettings}).
   */
  private static final ApiCallContext ONE_ATTEMPT =
      GrpcCallContext.createDefault()
          .withRetryableCodes(Set.of())
          .withRetrySettings(RetrySettings.newBuilder().setMaxAttempts(1).build());

  /**
   * {@link #callContext} for Predict and RawPredict, whose client settings already make one attempt
   * with no gax timeout: the caller's remaining time as the gRPC deadline on a context built once.
   * The retry settings' timeouts do not matter with one attempt and a call timeout set.
   */
  static ApiCallContext predictContext(CallContext ctx) {
    Duration left = ctx.deadline().remaining();
    return ONE_ATTEMPT.withTimeoutDuration(left.isZero() ? Duration.ofMillis(1) : left);
  }

  /** Adapts a gax future; cancelling the result cancels the call. */
  static <T> CompletableFuture<T> unary(ApiFuture<T> f) {
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
            out.completeExceptionally(t);
          }

          @Override
          public void onSuccess(T result) {
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
