package io.serve4j.spi;

import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A test provider whose one object plays the lifecycle, inference and queued roles. */
public interface TestSession
    extends ProviderSession, EndpointLifecycle, Inference, QueuedInference {
  @Override
  default EndpointLifecycle lifecycle() {
    return this;
  }

  @Override
  default Inference inference() {
    return this;
  }

  @Override
  default Optional<QueuedInference> queuedInference() {
    return Optional.of(this);
  }

  /** No endpoints: the core tests' providers each serve the endpoints their calls name. */
  @Override
  default CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext context) {
    return CompletableFuture.completedFuture(List.of());
  }

  @Override
  default CompletableFuture<InferenceResponse> submitInference(
      String endpoint, InferenceRequest request, CallContext context) {
    return CompletableFuture.failedFuture(
        ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY).build());
  }

  @Override
  default void close() {}
}
