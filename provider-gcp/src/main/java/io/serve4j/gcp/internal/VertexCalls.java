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
 * caller's deadline (a gRPC deadline for most calls; for predictions, on the client by one watch of
 * the deadline: {@link #predictCall}), and cancellation of the result cancelling the call.
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
   * Starts a Predict or RawPredict call as the Vertex AI client's own default call makes it: the
   * client's default call context (its settings make one attempt with no retryable codes and no gax
   * timeout, {@code VertexClients.predictionSettings}; no per-call context to merge) and no gRPC
   * deadline (which would cost a deadline context and, on the server, a deadline timer per call,
   * BENCHMARKS.md, remote path). The call's answer is read by {@code answer} where it arrives, into
   * the one future returned, whose cancellation cancels the RPC (the server sees CANCELLED).
   *
   * <p>The call ends at the caller's deadline through one watch of core's deadline watchdog: core's
   * own when core makes the call ({@link CallContext#deadlineEndedByCore()}: at the deadline core
   * cancels this future, which cancels the RPC, and fails the call with a TIMEOUT), else one set
   * here ({@link io.serve4j.spi.Deadline#onExpiry}), which fails the result with DEADLINE_EXCEEDED
   * (TIMEOUT) and cancels the RPC, and is released when the call ends.
   *
   * @param ctx the caller's context
   * @param call the started gax call
   * @param answer reads the response (on the thread the response arrives on); a throw fails the
   *     result
   * @param <R> the response
   * @param <T> what is read from it
   * @return the answer
   */
  static <R, T> CompletableFuture<T> predictCall(
      CallContext ctx, ApiFuture<R> call, Function<R, T> answer) {
    io.serve4j.spi.Deadline deadline = ctx.deadline();
    if (!deadline.isFinite() || ctx.deadlineEndedByCore()) {
      return new Unary<>(call, null, answer);
    }
    Expiry expiry = new Expiry(call);
    Unary<R, T> out = new Unary<>(call, expiry, answer);
    expiry.arm(out, deadline);
    return out;
  }

  /**
   * Ends a call at its deadline when core does not: fails its result with DEADLINE_EXCEEDED, then
   * cancels the RPC. Released (the watch cancelled) when the call ends first.
   */
  private static final class Expiry implements Runnable {
    private final ApiFuture<?> call;
    private volatile CompletableFuture<?> out;
    private volatile io.serve4j.spi.Deadline.Watch watch;
    private volatile boolean released;

    Expiry(ApiFuture<?> call) {
      this.call = call;
    }

    void arm(CompletableFuture<?> result, io.serve4j.spi.Deadline deadline) {
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
      CompletableFuture<?> result = out;
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

  /**
   * A gax call as one future: its response read by {@code answer} where it arrives, the deadline
   * watch (if any) released before the result completes, and cancelling the result cancelling the
   * call. One object is the future, the gax callback and the cancellation link (no dependent stage
   * per call).
   */
  private static final class Unary<R, T> extends CompletableFuture<T>
      implements ApiFutureCallback<R> {
    private final ApiFuture<R> call;
    private final Expiry expiry;
    private final Function<R, T> answer;

    Unary(ApiFuture<R> call, Expiry expiry, Function<R, T> answer) {
      this.call = call;
      this.expiry = expiry;
      this.answer = answer;
      ApiFutures.addCallback(call, this, MoreExecutors.directExecutor());
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      call.cancel(true);
      return super.cancel(mayInterrupt);
    }

    @Override
    public void onFailure(Throwable t) {
      if (expiry != null) {
        expiry.release();
      }
      completeExceptionally(t);
    }

    @Override
    public void onSuccess(R response) {
      if (expiry != null) {
        expiry.release();
      }
      if (isDone()) {
        return; // cancelled or timed out: nobody reads the answer
      }
      T value;
      try {
        value = answer.apply(response);
      } catch (RuntimeException | Error e) {
        completeExceptionally(e);
        return;
      }
      complete(value);
    }
  }

  /** Adapts a gax future; cancelling the result cancels the call. */
  static <T> CompletableFuture<T> unary(ApiFuture<T> f) {
    return new Unary<>(f, null, Function.identity());
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
