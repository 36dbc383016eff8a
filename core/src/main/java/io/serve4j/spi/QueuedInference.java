package io.serve4j.spi;

import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The optional asynchronous (queued) inference role, present when the provider declares {@link
 * io.serve4j.Capability#ASYNC_INFERENCE}.
 */
public interface QueuedInference {
  /**
   * Submits an asynchronous (queued) inference and completes when its result is available. Waiting
   * honours the context's deadline and stops when it is cancelled; on a real-time endpoint it fails
   * with an {@link io.serve4j.InvalidInputException} telling the caller to use {@code predict}.
   *
   * @param endpoint endpoint name
   * @param request validated request
   * @param context deadline, cancellation, progress
   * @return the response
   */
  CompletableFuture<InferenceResponse> submitInference(
      String endpoint, InferenceRequest request, CallContext context);
}
