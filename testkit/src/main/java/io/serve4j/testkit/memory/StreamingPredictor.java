package io.serve4j.testkit.memory;

import io.serve4j.DeploymentSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import java.util.Iterator;

/**
 * Computes the in-memory provider's streaming predictions: a lazy sequence of chunks. The provider
 * pulls the next chunk only when the caller has asked for one (so a slow reader slows the
 * producer), on a thread of its own; when the caller cancels, the iterator is no longer pulled and,
 * if it is {@link AutoCloseable}, it is closed.
 *
 * <pre>{@code
 * MemoryOptions.builder()
 *     .streamingPredictor((deployment, request) ->
 *         Stream.of("Hel", "lo").map(t -> InferenceResponse.builder()
 *             .payload(Payload.ofText(t, "text/plain")).build()).iterator())
 *     .build();
 * }</pre>
 *
 * A {@link io.serve4j.ServingException} thrown by {@code hasNext} or {@code next} is an in-stream
 * error: it reaches the caller typed, after the chunks already produced.
 */
@FunctionalInterface
public interface StreamingPredictor {
  /**
   * Starts one stream.
   *
   * @param deployment the deployment chosen by the traffic split (or pinned)
   * @param request the validated request
   * @return the chunks, produced lazily
   */
  Iterator<InferenceResponse> stream(DeploymentSpec deployment, InferenceRequest request);
}
