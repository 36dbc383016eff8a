package io.serve4j.spi;

import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.Capability;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.ServingException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The hooks a provider implements. Core calls them only after validation, capability checks and
 * with a {@link CallContext} carrying the deadline; core adds listeners, timeouts and typed error
 * unwrapping around them. Every hook is asynchronous: failures complete the future exceptionally
 * with a {@link ServingException} (from the provider's single error mapper), never throw.
 *
 * <p>Long-running hooks (create, update, delete, batch jobs) complete when the work is done, poll
 * with {@link Polling}, stop when {@link CallContext#isCancelled()} or the deadline passes, and
 * report progress through {@link CallContext#progress}.
 */
public interface ProviderClient extends AutoCloseable {
  /**
   * Creates an endpoint and its deployments, completing when it is in service.
   *
   * @param spec validated spec
   * @param context deadline, cancellation, progress
   * @return the description once in service
   */
  CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext context);

  /**
   * Replaces an endpoint's configuration, completing when the update is in service.
   *
   * @param spec validated spec, same name
   * @param context deadline, cancellation, progress
   * @return the new description
   */
  CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext context);

  /**
   * Changes the live traffic split (and mirror) between existing deployments.
   *
   * @param endpoint endpoint name
   * @param traffic validated split
   * @param mirror the mirror to keep or set, or null for none
   * @param context deadline, cancellation, progress
   * @return the new description
   */
  CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext context);

  /**
   * Deletes an endpoint and what serve4j created for it.
   *
   * @param endpoint endpoint name
   * @param context deadline, cancellation, progress
   * @return completes when gone; NotFound if it did not exist
   */
  CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext context);

  /**
   * Describes an endpoint.
   *
   * @param endpoint endpoint name
   * @param context deadline
   * @return the description; NotFound if missing
   */
  CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext context);

  /**
   * Lists endpoints.
   *
   * @param context deadline
   * @return the descriptions
   */
  CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext context);

  /**
   * Runs one prediction. On an asynchronous endpoint it fails with an {@link
   * io.serve4j.InvalidInputException} telling the caller to use {@code submit}.
   *
   * @param endpoint endpoint name
   * @param request validated request
   * @param context deadline to pass to the SDK
   * @return the response
   */
  CompletableFuture<InferenceResponse> predict(
      String endpoint, InferenceRequest request, CallContext context);

  /**
   * Submits an asynchronous (queued) inference and completes when its result is available. Only
   * called when the provider declares {@link Capability#ASYNC_INFERENCE}. Waiting honours the
   * context's deadline and stops when it is cancelled; on a real-time endpoint it fails with an
   * {@link io.serve4j.InvalidInputException} telling the caller to use {@code predict}.
   *
   * @param endpoint endpoint name
   * @param request validated request
   * @param context deadline, cancellation, progress
   * @return the response
   */
  default CompletableFuture<InferenceResponse> submitInference(
      String endpoint, InferenceRequest request, CallContext context) {
    return CompletableFuture.failedFuture(unsupported(Capability.ASYNC_INFERENCE));
  }

  /**
   * Runs a batch job to completion. Only called when the provider declares {@link
   * Capability#BATCH_JOBS}.
   *
   * @param spec the job
   * @param context deadline, cancellation (which stops the remote job), progress
   * @return the final description
   */
  default CompletableFuture<BatchJobDescription> runBatchJob(
      BatchJobSpec spec, CallContext context) {
    return CompletableFuture.failedFuture(unsupported(Capability.BATCH_JOBS));
  }

  /**
   * Describes a batch job.
   *
   * @param name job name
   * @param context deadline
   * @return the description
   */
  default CompletableFuture<BatchJobDescription> describeBatchJob(
      String name, CallContext context) {
    return CompletableFuture.failedFuture(unsupported(Capability.BATCH_JOBS));
  }

  /** Releases what the client created; idempotent. */
  @Override
  void close();

  private static ServingException unsupported(Capability capability) {
    return ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
        .message("this provider does not support " + capability)
        .build();
  }
}
