package io.serve4j.gcp.internal;

import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.gax.longrunning.OperationFuture;
import com.google.api.gax.longrunning.OperationSnapshot;
import com.google.common.util.concurrent.MoreExecutors;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.ProviderContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Awaits Vertex AI long-running operations (create/delete endpoint, deploy/undeploy/mutate, upload
 * model) through the client's own OperationFuture, bounded by the caller's deadline and stopped by
 * cancellation.
 */
final class VertexOperations {
  private final GcpOptions options;
  private final ProviderContext context;

  VertexOperations(GcpOptions options, ProviderContext context) {
    this.options = options;
    this.context = context;
  }

  /**
   * Awaits one operation. Stopping the wait does not stop the operation on Vertex AI; its name is
   * in the timeout message.
   *
   * @param op the operation
   * @param ctx the caller's context
   * @param what what the operation does, for progress and messages
   * @return its result
   */
  <R> CompletableFuture<R> await(OperationFuture<R, ?> op, CallContext ctx, String what) {
    CompletableFuture<R> out = VertexCalls.unary(op);
    String[] name = {"(not started yet)"};
    ApiFutures.addCallback(
        op.getInitialFuture(),
        new ApiFutureCallback<OperationSnapshot>() {
          @Override
          public void onFailure(Throwable t) {
            // reported through op itself
          }

          @Override
          public void onSuccess(OperationSnapshot s) {
            name[0] = s.getName();
            ctx.progress(what + ": waiting for operation " + s.getName(), -1);
          }
        },
        MoreExecutors.directExecutor());
    long tick = Math.max(10, Math.min(200, options.pollInterval().toMillis()));
    ScheduledFuture<?> watch =
        context
            .scheduler()
            .scheduleWithFixedDelay(
                () -> {
                  if (out.isDone()) {
                    return;
                  }
                  if (ctx.deadline().isExpired()) {
                    out.completeExceptionally(
                        ServingException.builder(ErrorCategory.TIMEOUT)
                            .providerId(GcpProvider.ID)
                            .requestId(ctx.requestId())
                            .message(
                                what
                                    + " did not finish before its deadline; Vertex AI operation "
                                    + name[0]
                                    + " goes on")
                            .build());
                  } else if (ctx.isCancelled()) {
                    out.cancel(false);
                  }
                },
                tick,
                tick,
                TimeUnit.MILLISECONDS);
    out.whenComplete(
        (v, e) -> {
          watch.cancel(false);
          if (!op.isDone()) {
            op.cancel(true);
          }
        });
    return out;
  }
}
