package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Capability;
import io.serve4j.DeploymentDescription;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.ProviderOptions;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import io.serve4j.spi.TestSession;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Core's one endpoint-description cache, handed to the provider's predict. */
class DescriptionCacheTest {
  private final AtomicInteger describes = new AtomicInteger();
  private final List<EndpointDescription> handed = new CopyOnWriteArrayList<>();
  private final List<Boolean> retriedByCore = new CopyOnWriteArrayList<>();

  private final class Counting implements ServingProvider, ProviderOptions {
    @Override
    public String id() {
      return "counting";
    }

    @Override
    public String providerId() {
      return "counting";
    }

    @Override
    public Set<Capability> capabilities() {
      return Set.of();
    }

    @Override
    public Class<? extends ProviderOptions> optionsType() {
      return Counting.class;
    }

    @Override
    public ProviderOptions defaultOptions() {
      return this;
    }

    @Override
    public ProviderSession open(ProviderOptions options, ProviderContext context) {
      return new TestSession() {
        private EndpointDescription d(String name) {
          return EndpointDescription.builder()
              .name(name)
              .status(EndpointStatus.IN_SERVICE)
              .deployment(
                  DeploymentDescription.builder()
                      .name("blue")
                      .modelName("m")
                      .status(EndpointStatus.IN_SERVICE)
                      .build())
              .traffic(Map.of("blue", 100))
              .build();
        }

        @Override
        public CompletableFuture<EndpointDescription> createEndpoint(
            EndpointSpec spec, CallContext c) {
          return CompletableFuture.completedFuture(d(spec.name()));
        }

        @Override
        public CompletableFuture<EndpointDescription> updateEndpoint(
            EndpointSpec spec, CallContext c) {
          return CompletableFuture.completedFuture(d(spec.name()));
        }

        @Override
        public CompletableFuture<EndpointDescription> updateTraffic(
            String e, Map<String, Integer> t, Mirror m, CallContext c) {
          return CompletableFuture.completedFuture(d(e));
        }

        @Override
        public CompletableFuture<Void> deleteEndpoint(String e, CallContext c) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<EndpointDescription> describeEndpoint(String e, CallContext c) {
          describes.incrementAndGet();
          retriedByCore.add(c.retriedByCore());
          return CompletableFuture.completedFuture(d(e));
        }

        @Override
        public CompletableFuture<InferenceResponse> predict(
            String e, EndpointDescription known, InferenceRequest r, CallContext c) {
          handed.add(known);
          retriedByCore.add(c.retriedByCore());
          return CompletableFuture.completedFuture(
              InferenceResponse.builder()
                  .output(Tensor.ofFloats("y", new long[] {1}, new float[] {1}))
                  .build());
        }
      };
    }
  }

  private static InferenceRequest request() {
    return InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}));
  }

  @Test
  void coldPredict_describesOnce_andHandsTheDescriptionToPredict_warmDescribesNothing() {
    try (ServingClient c = Serve4j.builder().provider(new Counting()).build()) {
      Endpoint e = c.endpoint("e");
      e.predict(request());
      assertThat(describes).hasValue(1);
      e.predict(request());
      c.endpoint("e").predict(request());
      assertThat(describes).hasValue(1);
      assertThat(handed).hasSize(3).allSatisfy(d -> assertThat(d.name()).isEqualTo("e"));
      assertThat(retriedByCore).containsOnly(true);
    }
  }

  @Test
  void shiftTrafficAndDelete_dropTheCachedDescription() {
    try (ServingClient c = Serve4j.builder().provider(new Counting()).build()) {
      Endpoint e = c.endpoint("e");
      e.predict(request());
      assertThat(describes).hasValue(1);
      e.shiftTraffic(Map.of("blue", 100)).await();
      int afterShift = describes.get(); // shiftTraffic reads the current deployments once
      e.predict(request());
      assertThat(describes.get()).isEqualTo(afterShift); // refreshed by the operation's result
      e.delete().await();
      e.predict(request());
      assertThat(describes.get()).isEqualTo(afterShift + 1);
    }
  }
}
