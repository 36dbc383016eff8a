package io.serve4j.internal;

import io.serve4j.Capability;
import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.ModelSignature;
import io.serve4j.ProviderOptions;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Inference;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import io.serve4j.spi.TestSession;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A test provider (and its own options) with no capabilities, whose every endpoint is described as
 * {@code IN_SERVICE} (with one deployment {@code main} of the given signature, when one is given)
 * and predicts through the given {@link Inference}; creating, updating and deleting endpoints throw
 * {@link UnsupportedOperationException}, listing answers none, and a submit fails as {@code
 * UNSUPPORTED_CAPABILITY} (the session is a {@link TestSession}, as the other core test providers'
 * are). Shared by the core tests that need only a prediction path ({@link
 * PredictPathAllocationTest}, {@link ResponseLimitTest}).
 */
final class OneEndpointProvider implements ServingProvider, ProviderOptions {
  private final String id;
  private final ModelSignature signature;
  private final Inference inference;

  /**
   * @param id the provider id (also its options' provider id)
   * @param signature the signature of the described deployment, or null to describe the endpoint
   *     without deployments
   * @param inference answers every prediction
   */
  OneEndpointProvider(String id, ModelSignature signature, Inference inference) {
    this.id = Objects.requireNonNull(id, "id");
    this.signature = signature;
    this.inference = Objects.requireNonNull(inference, "inference");
  }

  @Override
  public String providerId() {
    return id;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of();
  }

  @Override
  public Class<? extends ProviderOptions> optionsType() {
    return OneEndpointProvider.class;
  }

  @Override
  public ProviderOptions defaultOptions() {
    return this;
  }

  @Override
  public ProviderSession open(ProviderOptions options, ProviderContext context) {
    return new TestSession() {
      @Override
      public CompletableFuture<EndpointDescription> createEndpoint(
          EndpointSpec spec, CallContext c) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletableFuture<EndpointDescription> updateEndpoint(
          EndpointSpec spec, CallContext c) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletableFuture<EndpointDescription> updateTraffic(
          String e, Map<String, Integer> t, Mirror m, CallContext c) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletableFuture<Void> deleteEndpoint(String e, CallContext c) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletableFuture<EndpointDescription> describeEndpoint(String e, CallContext c) {
        EndpointDescription.Builder d =
            EndpointDescription.builder().name(e).status(EndpointStatus.IN_SERVICE);
        if (signature != null) {
          d.deployment(
              DeploymentDescription.builder()
                  .name("main")
                  .modelName("m")
                  .status(EndpointStatus.IN_SERVICE)
                  .signature(signature)
                  .build());
        }
        return CompletableFuture.completedFuture(d.build());
      }

      @Override
      public CompletableFuture<InferenceResponse> predict(
          String e, EndpointDescription known, InferenceRequest r, CallContext c) {
        return inference.predict(e, known, r, c);
      }
    };
  }
}
