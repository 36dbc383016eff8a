package io.serve4j;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A handle on one endpoint of a provider: predict, describe, update, shift traffic, delete.
 *
 * <pre>{@code
 * Endpoint endpoint = client.endpoint("fraud");
 * InferenceResponse r = endpoint.predict(InferenceRequest.of(x));
 * endpoint.shiftTraffic(Map.of("blue", 90, "green", 10)).await();
 * }</pre>
 *
 * <p>Obtaining a handle makes no call; a missing endpoint shows as {@link NotFoundException} on the
 * first call. Handles are thread-safe and cheap; they are valid while their client is open.
 */
public interface Endpoint {
  /**
   * Returns the endpoint's name.
   *
   * @return the name
   */
  String name();

  /**
   * Describes the endpoint.
   *
   * @return status, deployments, traffic, URL, failure reason
   * @throws NotFoundException if it does not exist
   */
  EndpointDescription describe();

  /**
   * Describes the endpoint asynchronously.
   *
   * @return a future of the description
   */
  CompletableFuture<EndpointDescription> describeAsync();

  /**
   * Runs one prediction. Inputs are checked against the signature before anything is sent.
   *
   * @param request the request
   * @return the response
   * @throws InvalidInputException if an input is missing, unknown, or of the wrong type or shape,
   *     or if the endpoint is asynchronous (use {@link #submit})
   * @throws ServingException any other failure, typed
   */
  InferenceResponse predict(InferenceRequest request);

  /**
   * Runs one prediction asynchronously. Validation failures complete the future exceptionally.
   * Cancelling the future cancels the call where the provider can.
   *
   * @param request the request
   * @return a future of the response
   */
  CompletableFuture<InferenceResponse> predictAsync(InferenceRequest request);

  /**
   * Runs one streaming prediction and returns its chunks as they arrive, as a blocking iterator.
   * Close it to stop early (the provider's stream is cancelled).
   *
   * <p>The request's timeout (else the client's predict timeout) bounds the whole stream; core
   * retries only until the first chunk arrives. Each chunk is an {@link InferenceResponse}: raw
   * bytes as its payload, or decoded tensors where the container speaks the Open Inference
   * Protocol.
   *
   * @param request the request
   * @return the chunks
   * @throws UnsupportedCapabilityException if the provider has no {@link Capability#STREAMING}
   * @throws InvalidInputException if the request is invalid
   */
  default ResponseStream stream(InferenceRequest request) {
    throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
        .message("endpoint '" + name() + "' does not support streaming predictions")
        .build();
  }

  /**
   * Runs one streaming prediction as a {@link Flow.Publisher} of chunks: cold (each subscription is
   * one call) and honouring demand (the provider is asked for no more than the subscriber
   * requested); {@code cancel()} stops the provider's stream. Errors, also those raised mid-stream
   * by the cloud, arrive typed through {@code onError}: {@link UnsupportedCapabilityException} when
   * the provider cannot stream, {@link TimeoutException} when the deadline passes mid-stream.
   *
   * @param request the request
   * @return a publisher of the response's chunks
   */
  default Flow.Publisher<InferenceResponse> streamAsync(InferenceRequest request) {
    return subscriber -> {
      subscriber.onSubscribe(
          new Flow.Subscription() {
            @Override
            public void request(long n) {}

            @Override
            public void cancel() {}
          });
      subscriber.onError(
          ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
              .message("endpoint '" + name() + "' does not support streaming predictions")
              .build());
    };
  }

  /**
   * Submits an asynchronous (queued) inference to an asynchronous endpoint (one deployed with
   * {@link EndpointSpec.Builder#asyncInference(AsyncInference)}), for long-running requests or
   * large payloads; the operation completes when the result is available. Its deadline is the
   * request's {@link InferenceRequest#timeout() timeout}, else the client's operation timeout;
   * cancelling it stops waiting for the result.
   *
   * <pre>{@code
   * InferenceResponse r = endpoint.submit(request).await(Duration.ofMinutes(5));
   * }</pre>
   *
   * @param request the request
   * @return the operation; it fails with {@link InvalidInputException} if the endpoint is real-time
   *     (use {@link #predict}), {@link ModelErrorException} if the model failed
   * @throws UnsupportedCapabilityException if the provider has no asynchronous inference
   */
  Operation<InferenceResponse> submit(InferenceRequest request);

  /**
   * Replaces the endpoint's configuration (deployments, traffic, mirror). The spec's name must be
   * this endpoint's.
   *
   * @param spec the new configuration
   * @return the operation, completed with the new description
   */
  Operation<EndpointDescription> update(EndpointSpec spec);

  /**
   * Changes only the live traffic split between existing deployments.
   *
   * @param traffic deployment name to percent, summing to 100
   * @return the operation, completed with the new description
   * @throws InvalidInputException if the split does not sum to 100
   */
  Operation<EndpointDescription> shiftTraffic(Map<String, Integer> traffic);

  /**
   * Deletes the endpoint and what serve4j created for it.
   *
   * @return the operation
   */
  Operation<Void> delete();
}
