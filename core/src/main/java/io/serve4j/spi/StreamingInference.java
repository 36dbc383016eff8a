package io.serve4j.spi;

import io.serve4j.EndpointDescription;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import java.util.concurrent.Flow;

/**
 * The streaming-inference role of a provider: one request, a response that arrives in chunks
 * (SageMaker's {@code InvokeEndpointWithResponseStream}, Vertex's {@code streamRawPredict}, an HTTP
 * chunked or server-sent-events answer). Present exactly when the provider declares {@link
 * io.serve4j.Capability#STREAMING}.
 *
 * <p>Core owns everything around the wire: it retries only until the first chunk arrives, applies
 * the call's deadline to the whole stream, maps errors through the provider's {@link ErrorMapper}
 * (also those signalled mid-stream), fires the listeners and relays the caller's demand and
 * cancellation. The provider's publisher only speaks the wire:
 *
 * <ul>
 *   <li>it is cold and takes one subscriber: nothing is sent before {@code subscribe};
 *   <li>it honours demand: no more chunks than requested reach {@code onNext};
 *   <li>{@code cancel()} stops the cloud stream (closes the HTTP response, cancels the gRPC call)
 *       and releases what the call holds;
 *   <li>an in-stream error event of the cloud ({@code ModelStreamError}, an SSE {@code error}
 *       event, a gRPC status) is signalled with {@code onError}, as the SDK's exception or a typed
 *       {@link io.serve4j.ServingException}.
 * </ul>
 *
 * Each chunk is an {@link InferenceResponse}: raw bytes as its {@link InferenceResponse#payload()},
 * or decoded tensors where the container speaks the Open Inference Protocol.
 */
public interface StreamingInference {
  /**
   * Opens one streaming prediction.
   *
   * @param name endpoint name
   * @param endpoint core's description of the endpoint, or null if unknown
   * @param request validated request
   * @param context the call's request id, deadline and cancellation
   * @return a cold, single-subscriber publisher of the response's chunks
   */
  Flow.Publisher<InferenceResponse> stream(
      String name, EndpointDescription endpoint, InferenceRequest request, CallContext context);
}
