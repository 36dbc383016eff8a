package io.serve4j.resilience;

import io.serve4j.Capability;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import io.serve4j.spi.TestSession;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A provider whose predictions follow a script of outcomes, recording when each attempt came. Used
 * to test core's retry, breaker and failover mechanics; provider modules test the same against
 * their real SDKs and fakes.
 */
final class ScriptedProvider implements ServingProvider, ProviderOptions {
  final String id;
  final ConcurrentLinkedQueue<Supplier<ServingException>> script = new ConcurrentLinkedQueue<>();
  final List<Long> attempts = new CopyOnWriteArrayList<>();
  volatile float answer = 1f;
  volatile Duration delay = Duration.ZERO;

  ScriptedProvider(String id) {
    this.id = id;
  }

  static ServingException error(ErrorCategory c, Duration retryAfter) {
    return ServingException.builder(c)
        .fromService()
        .retryAfter(retryAfter)
        .message(c.name())
        .build();
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
    return ScriptedProvider.class;
  }

  @Override
  public ProviderOptions defaultOptions() {
    return this;
  }

  @Override
  public ProviderSession open(ProviderOptions options, ProviderContext context) {
    return new TestSession() {
      @Override
      public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec s, CallContext c) {
        return describeEndpoint(s.name(), c);
      }

      @Override
      public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec s, CallContext c) {
        return describeEndpoint(s.name(), c);
      }

      @Override
      public CompletableFuture<EndpointDescription> updateTraffic(
          String e, Map<String, Integer> t, Mirror m, CallContext c) {
        return describeEndpoint(e, c);
      }

      @Override
      public CompletableFuture<Void> deleteEndpoint(String e, CallContext c) {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public CompletableFuture<EndpointDescription> describeEndpoint(String e, CallContext c) {
        return CompletableFuture.completedFuture(
            EndpointDescription.builder().name(e).status(EndpointStatus.IN_SERVICE).build());
      }

      @Override
      public CompletableFuture<InferenceResponse> predict(
          String e, EndpointDescription known, InferenceRequest r, CallContext c) {
        attempts.add(System.nanoTime());
        Supplier<ServingException> next = script.poll();
        CompletableFuture<InferenceResponse> f = new CompletableFuture<>();
        Runnable answerIt =
            () -> {
              ServingException failure = next == null ? null : next.get();
              if (failure != null) { // a script step of null answers normally
                f.completeExceptionally(failure);
              } else {
                f.complete(
                    InferenceResponse.builder()
                        .output(Tensor.ofFloats("y", new long[] {1}, new float[] {answer}))
                        .build());
              }
            };
        if (delay.isZero()) {
          answerIt.run();
        } else {
          context.scheduler().schedule(answerIt, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
        return f;
      }

      @Override
      public void close() {}
    };
  }
}
