package io.serve4j.spi;

import io.serve4j.EndpointDescription;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The real-time inference role of a provider. Core retries predictions itself ({@link
 * CallContext#retriedByCore()} is true): the provider makes exactly one wire attempt per call.
 */
public interface Inference {
  /**
   * Runs one prediction. On an asynchronous endpoint it fails with an {@link
   * io.serve4j.InvalidInputException} telling the caller to use {@code submit}.
   *
   * <p>{@code endpoint} is core's cached description of the endpoint (one cache, in core, filled by
   * describe and dropped by update, shiftTraffic and delete). It is null only when core could not
   * describe the endpoint (a failure other than NotFound); a provider that cannot predict without
   * it then describes it itself, once.
   *
   * @param name endpoint name
   * @param endpoint core's description of the endpoint, or null if unknown
   * @param request validated request
   * @param context deadline to pass to the SDK
   * @return the response
   */
  CompletableFuture<InferenceResponse> predict(
      String name, EndpointDescription endpoint, InferenceRequest request, CallContext context);
}
