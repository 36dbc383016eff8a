package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.AsyncInference;
import io.serve4j.CallInfo;
import io.serve4j.Capability;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.NotFoundException;
import io.serve4j.Operation;
import io.serve4j.OperationKind;
import io.serve4j.ProviderOptions;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.Tensor;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import io.serve4j.spi.TestSession;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Core's template with a provider whose calls never finish unless told to. */
class CoreTemplateTest {
  static final Model MODEL = Model.builder().name("m").artifact("file:/m.onnx").build();

  /** A provider that records contexts and leaves futures pending. */
  public static final class PendingProvider implements ServingProvider, ProviderOptions {
    final AtomicReference<CallContext> lastContext = new AtomicReference<>();
    final AtomicReference<CompletableFuture<?>> lastFuture = new AtomicReference<>();
    volatile Set<Capability> capabilities = Set.of();
    // Like a runtime whose queue fails on close: pending calls fail retryable UNAVAILABLE.
    volatile boolean failPendingOnClose;
    // Predictions fail at once with a retryable UNAVAILABLE.
    volatile boolean predictUnavailable;
    final List<CompletableFuture<?>> pendingFutures = new CopyOnWriteArrayList<>();

    @Override
    public String providerId() {
      return "pending";
    }

    @Override
    public String id() {
      return "pending";
    }

    @Override
    public Set<Capability> capabilities() {
      return capabilities;
    }

    @Override
    public Class<? extends ProviderOptions> optionsType() {
      return PendingProvider.class;
    }

    @Override
    public ProviderOptions defaultOptions() {
      return this;
    }

    @Override
    public ProviderSession open(ProviderOptions options, ProviderContext context) {
      return new TestSession() {
        <T> CompletableFuture<T> pending(CallContext c) {
          lastContext.set(c);
          CompletableFuture<T> f = new CompletableFuture<>();
          lastFuture.set(f);
          pendingFutures.add(f);
          return f;
        }

        @Override
        public CompletableFuture<EndpointDescription> createEndpoint(
            EndpointSpec spec, CallContext c) {
          return pending(c);
        }

        @Override
        public CompletableFuture<EndpointDescription> updateEndpoint(
            EndpointSpec spec, CallContext c) {
          return pending(c);
        }

        @Override
        public CompletableFuture<EndpointDescription> updateTraffic(
            String e, Map<String, Integer> t, Mirror m, CallContext c) {
          return pending(c);
        }

        @Override
        public CompletableFuture<Void> deleteEndpoint(String e, CallContext c) {
          return pending(c);
        }

        @Override
        public CompletableFuture<EndpointDescription> describeEndpoint(String e, CallContext c) {
          if (e.equals("missing")) {
            return CompletableFuture.failedFuture(
                ServingException.builder(io.serve4j.ErrorCategory.NOT_FOUND).fromService().build());
          }
          return CompletableFuture.completedFuture(
              EndpointDescription.builder().name(e).status(EndpointStatus.IN_SERVICE).build());
        }

        @Override
        public CompletableFuture<InferenceResponse> predict(
            String e, EndpointDescription known, InferenceRequest r, CallContext c) {
          if (predictUnavailable) {
            lastContext.set(c);
            return CompletableFuture.failedFuture(
                ServingException.builder(io.serve4j.ErrorCategory.UNAVAILABLE)
                    .fromService()
                    .message("try again")
                    .build());
          }
          return pending(c);
        }

        @Override
        public CompletableFuture<InferenceResponse> submitInference(
            String e, InferenceRequest r, CallContext c) {
          return pending(c);
        }

        @Override
        public void close() {
          if (failPendingOnClose) {
            for (CompletableFuture<?> f : pendingFutures) {
              f.completeExceptionally(
                  ServingException.builder(io.serve4j.ErrorCategory.UNAVAILABLE)
                      .message("queue closed")
                      .build());
            }
          }
        }
      };
    }
  }

  private final PendingProvider provider = new PendingProvider();
  private final List<String> events = new CopyOnWriteArrayList<>();

  private ServingClient client(Serve4j.Builder b) {
    return b.provider(provider)
        .listener(
            new ServingListener() {
              @Override
              public void onStart(CallInfo call) {
                events.add("start " + call.operation());
              }

              @Override
              public void onSuccess(CallInfo call, Duration elapsed) {
                events.add("success " + call.operation());
              }

              @Override
              public void onError(CallInfo call, ServingException error, Duration elapsed) {
                events.add("error " + call.operation() + " " + error.category());
              }
            })
        .build();
  }

  @Test
  void predict_whenProviderNeverAnswers_timesOutAndCancelsProviderFuture() {
    try (ServingClient c = client(Serve4j.builder().predictTimeout(Duration.ofMillis(200)))) {
      InferenceRequest r =
          InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}));
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.endpoint("e").predict(r))
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("predict on endpoint 'e'");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(provider.lastFuture.get().isCancelled()).isTrue();
      assertThat(provider.lastContext.get().isCancelled()).isTrue();
      assertThat(events).contains("start PREDICT", "error PREDICT TIMEOUT");
    }
  }

  @Test
  void predictAsync_cancellingTheFuture_cancelsTheProviderCall() {
    try (ServingClient c = client(Serve4j.builder())) {
      InferenceRequest r =
          InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}));
      CompletableFuture<InferenceResponse> f = c.endpoint("e").predictAsync(r);
      f.cancel(true);
      assertThat(provider.lastFuture.get().isCancelled()).isTrue();
    }
  }

  private static final InferenceRequest ONE =
      InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}));

  private static void assertClientClosed(CompletableFuture<?> f) {
    // Fails at once, not after the 60 s timeout, and not as a TimeoutException.
    assertThat(f)
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            UnavailableException.class, e -> assertThat(e.retryable()).isFalse())
        .withMessageContaining("serving client 'pending' is closed");
  }

  @Test
  void close_failsACallWhoseProviderFailsRetryablyOnClose_atOnceAndTyped() {
    provider.failPendingOnClose = true;
    ServingClient c = client(Serve4j.builder().predictTimeout(Duration.ofSeconds(60)));
    CompletableFuture<InferenceResponse> f = c.endpoint("e").predictAsync(ONE);
    c.close();
    assertClientClosed(f);
    assertThat(events)
        .contains("error PREDICT UNAVAILABLE")
        .doesNotContain("error predict TIMEOUT");
  }

  @Test
  void close_failsACallRunningAtTheProvider_andCancelsIt() {
    ServingClient c = client(Serve4j.builder().predictTimeout(Duration.ofSeconds(60)));
    CompletableFuture<InferenceResponse> f = c.endpoint("e").predictAsync(ONE);
    c.close();
    assertClientClosed(f);
    assertThat(provider.lastFuture.get().isCancelled()).isTrue();
    assertThat(provider.lastContext.get().isCancelled()).isTrue();
  }

  @Test
  void close_failsACallWaitingForARetry_atOnceAndTyped() {
    provider.predictUnavailable = true;
    ServingClient c =
        client(
            Serve4j.builder()
                .predictTimeout(Duration.ofSeconds(60))
                .retryPolicy(
                    io.serve4j.RetryPolicy.builder()
                        .maxAttempts(5)
                        .initialBackoff(Duration.ofSeconds(20))
                        .maxBackoff(Duration.ofSeconds(20))
                        .build()));
    CompletableFuture<InferenceResponse> f = c.endpoint("e").predictAsync(ONE);
    assertThat(f).isNotDone(); // waiting 20 s for its second attempt
    c.close();
    assertClientClosed(f);
  }

  @Test
  void close_failsARunningOperation_atOnceAndTyped() {
    ServingClient c = client(Serve4j.builder().operationTimeout(Duration.ofSeconds(60)));
    Operation<?> op = c.deploy(EndpointSpec.of("e", MODEL));
    c.close();
    assertClientClosed(op.future());
    assertThat(provider.lastContext.get().isCancelled()).isTrue();
    assertThat(provider.lastFuture.get().isCancelled()).isTrue();
  }

  @Test
  void useAfterClose_isATypedNonRetryableError_thrownOrAsTheFailedFuture() {
    ServingClient c = client(Serve4j.builder());
    var e = c.endpoint("e");
    c.close();
    assertThatThrownBy(() -> e.predict(ONE))
        .isInstanceOfSatisfying(
            UnavailableException.class, x -> assertThat(x.retryable()).isFalse())
        .hasMessageContaining("is closed");
    assertClientClosed(e.predictAsync(ONE));
    assertClientClosed(e.describeAsync());
    assertClientClosed(c.listEndpointsAsync());
    assertThatThrownBy(() -> c.deploy(EndpointSpec.of("f", MODEL)))
        .isInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> c.endpoint("f")).isInstanceOf(UnavailableException.class);
  }

  @Test
  void operation_cancel_flagsTheProviderContext() {
    try (ServingClient c = client(Serve4j.builder())) {
      Operation<?> op = c.deploy(EndpointSpec.of("e", MODEL));
      assertThat(provider.lastContext.get().isCancelled()).isFalse();
      assertThat(op.cancel()).isTrue();
      assertThat(provider.lastContext.get().isCancelled()).isTrue();
      assertThat(op.cancel()).isFalse();
    }
  }

  @Test
  void operation_deadline_failsTypedAndStopsProvider() {
    try (ServingClient c = client(Serve4j.builder().operationTimeout(Duration.ofMillis(150)))) {
      Operation<?> op = c.deploy(EndpointSpec.of("e", MODEL));
      assertThatThrownBy(op::await)
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("deploy endpoint e");
      assertThat(provider.lastContext.get().isCancelled()).isTrue();
    }
  }

  @Test
  void operation_progressReachesListeners() {
    try (ServingClient c = client(Serve4j.builder())) {
      Operation<?> op = c.deploy(EndpointSpec.of("e", MODEL));
      List<String> seen = new CopyOnWriteArrayList<>();
      op.onProgress(p -> seen.add(p.message()));
      provider.lastContext.get().progress("endpoint e is Creating", -1);
      assertThat(seen).containsExactly("endpoint e is Creating");
      assertThat(op.lastProgress()).isPresent();
      op.cancel();
    }
  }

  @Test
  void deploy_needingMissingCapability_failsBeforeAnyCall() {
    try (ServingClient c = client(Serve4j.builder())) {
      EndpointSpec shadow =
          EndpointSpec.builder()
              .name("e")
              .deployment(io.serve4j.DeploymentSpec.of("a", MODEL))
              .deployment(io.serve4j.DeploymentSpec.of("s", MODEL))
              .mirror(new Mirror("s", 5))
              .build();
      assertThatThrownBy(() -> c.deploy(shadow))
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining("SHADOW")
          .hasMessageContaining("pending");
      assertThat(provider.lastContext.get()).isNull();
    }
  }

  @Test
  void deployAndUpdate_asyncWithoutCapability_failBeforeAnyCall() {
    try (ServingClient c = client(Serve4j.builder())) {
      EndpointSpec async =
          EndpointSpec.builder()
              .name("e")
              .deployment(io.serve4j.DeploymentSpec.of("a", MODEL))
              .asyncInference(AsyncInference.defaults())
              .build();
      assertThatThrownBy(() -> c.deploy(async))
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining("ASYNC_INFERENCE")
          .hasMessageContaining("asynchronous endpoint 'e'");
      assertThatThrownBy(() -> c.endpoint("e").update(async))
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining("ASYNC_INFERENCE");
      InferenceRequest r =
          InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}));
      assertThatThrownBy(() -> c.endpoint("e").submit(r))
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining("ASYNC_INFERENCE");
      assertThat(provider.lastContext.get()).isNull();
      assertThat(events).isEmpty();
    }
  }

  @Test
  void submit_isBoundedByTheRequestTimeout_andCancelStopsTheProvider() {
    provider.capabilities = Set.of(Capability.ASYNC_INFERENCE);
    try (ServingClient c = client(Serve4j.builder().operationTimeout(Duration.ofHours(1)))) {
      InferenceRequest r =
          InferenceRequest.builder()
              .input(Tensor.ofFloats("x", new long[] {1}, new float[] {1}))
              .timeout(Duration.ofMillis(200))
              .build();
      Operation<InferenceResponse> op = c.endpoint("e").submit(r);
      long start = System.nanoTime();
      assertThatThrownBy(op::await)
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("submit inference to e");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      // The timeout is reported first, then the provider is told to stop.
      long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (!provider.lastContext.get().isCancelled() && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      assertThat(provider.lastContext.get().isCancelled()).isTrue();

      Operation<InferenceResponse> other =
          c.endpoint("e")
              .submit(InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1})));
      CallContext ctx = provider.lastContext.get();
      assertThat(ctx.deadline().remaining()).isGreaterThan(Duration.ofMinutes(59));
      assertThat(other.cancel()).isTrue();
      assertThat(ctx.isCancelled()).isTrue();
    }
  }

  @Test
  void operations_carryTheirKind_toCallersAndListeners_whateverTheDescriptionSays() {
    provider.capabilities = Set.of(Capability.ASYNC_INFERENCE, Capability.TRAFFIC_SPLIT);
    try (ServingClient c = client(Serve4j.builder())) {
      var e = c.endpoint("e");
      List<Operation<?>> ops =
          List.of(
              c.deploy(EndpointSpec.of("e", MODEL)),
              e.update(EndpointSpec.of("e", MODEL)),
              e.shiftTraffic(Map.of("a", 100)),
              e.submit(InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}))),
              e.delete());
      assertThat(ops)
          .extracting(Operation::kind)
          .containsExactly(
              OperationKind.DEPLOY,
              OperationKind.UPDATE,
              OperationKind.SHIFT_TRAFFIC,
              OperationKind.SUBMIT_INFERENCE,
              OperationKind.DELETE);
      assertThat(ops).allMatch(op -> op.kind().isLongRunning());
      e.describe();
      c.listEndpoints();
      ops.forEach(Operation::cancel);
    }
    // The first word of "shift traffic on endpoint e" or "submit inference to e" is no kind.
    assertThat(events)
        .contains(
            "start DEPLOY",
            "start UPDATE",
            "start SHIFT_TRAFFIC",
            "start SUBMIT_INFERENCE",
            "start DELETE",
            "success DESCRIBE",
            "success LIST");
    assertThat(OperationKind.PREDICT.isLongRunning()).isFalse();
  }

  @Test
  void requestIds_oneScheme_forCallsAndOperations_seenByProviderListenersAndErrors() {
    java.util.regex.Pattern uuid4 =
        java.util.regex.Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    List<CallInfo> starts = new CopyOnWriteArrayList<>();
    ServingListener l =
        new ServingListener() {
          @Override
          public void onStart(CallInfo call) {
            starts.add(call);
          }
        };
    try (ServingClient c =
        Serve4j.builder()
            .provider(provider)
            .listener(l)
            .operationTimeout(Duration.ofMillis(200))
            .build()) {
      Operation<?> op = c.deploy(EndpointSpec.of("e", MODEL));
      String providerSaw = provider.lastContext.get().requestId();
      assertThat(starts).hasSize(1);
      assertThat(starts.get(0).requestId()).matches(uuid4).isEqualTo(providerSaw);
      assertThatThrownBy(op::await)
          .isInstanceOfSatisfying(
              TimeoutException.class, t -> assertThat(t.requestId()).contains(providerSaw));

      c.endpoint("e")
          .predictAsync(InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1})));
      CallInfo predict = starts.get(starts.size() - 1);
      assertThat(predict.operation()).isEqualTo(OperationKind.PREDICT);
      assertThat(predict.requestId())
          .matches(uuid4)
          .isEqualTo(provider.lastContext.get().requestId())
          .isNotEqualTo(providerSaw);
    }
    assertThat(CallContext.of(io.serve4j.spi.Deadline.none()).requestId()).matches(uuid4);
  }

  @Test
  void predict_onMissingEndpoint_isNotFoundFromFirstDescribe() {
    try (ServingClient c = client(Serve4j.builder())) {
      InferenceRequest r =
          InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}));
      assertThatThrownBy(() -> c.endpoint("missing").predict(r))
          .isInstanceOf(NotFoundException.class);
      assertThat(provider.lastContext.get()).isNull();
    }
  }

  @Test
  void predict_aboveSizeLimit_isInvalidInputBeforeAnyCall() {
    try (ServingClient c = client(Serve4j.builder().maxRequestBytes(16))) {
      InferenceRequest r = InferenceRequest.of(Tensor.ofFloats("x", new long[] {5}, new float[5]));
      assertThatThrownBy(() -> c.endpoint("e").predict(r))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("20 bytes");
      assertThat(provider.lastContext.get()).isNull();
    }
  }

  @Test
  void registry_missingProvider_listsThosePresent(@TempDir Path dir) throws IOException {
    ClassLoader loader = loaderWith(dir, PendingProvider.class.getName());
    assertThat(ProviderRegistry.load(loader)).containsKey("pending");
    assertThatThrownBy(() -> ProviderRegistry.find("aws", loader))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no serving provider 'aws'")
        .hasMessageContaining("[pending]")
        .hasMessageContaining("serve4j-provider-aws");
  }

  @Test
  void registry_duplicateIds_failFast(@TempDir Path dir) throws IOException {
    ClassLoader loader =
        loaderWith(dir, PendingProvider.class.getName() + "\n" + SamePendingId.class.getName());
    assertThatThrownBy(() -> ProviderRegistry.load(loader))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two serving providers declare the id 'pending'");
  }

  @Test
  void options_ofAnotherProvider_areRejected() {
    ProviderOptions foreign = () -> "other";
    assertThatThrownBy(() -> Serve4j.builder().provider(provider).options(foreign).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("takes PendingProvider");
  }

  /** A second provider claiming the same id. */
  public static final class SamePendingId extends DelegatingProvider {
    /** For ServiceLoader. */
    public SamePendingId() {
      super(new PendingProvider());
    }
  }

  /** Delegates to another provider. */
  public abstract static class DelegatingProvider implements ServingProvider {
    private final ServingProvider d;

    DelegatingProvider(ServingProvider d) {
      this.d = d;
    }

    @Override
    public String id() {
      return d.id();
    }

    @Override
    public Set<Capability> capabilities() {
      return d.capabilities();
    }

    @Override
    public Class<? extends ProviderOptions> optionsType() {
      return d.optionsType();
    }

    @Override
    public ProviderOptions defaultOptions() {
      return d.defaultOptions();
    }

    @Override
    public ProviderSession open(ProviderOptions o, ProviderContext c) {
      return d.open(o, c);
    }
  }

  private static ClassLoader loaderWith(Path dir, String services) throws IOException {
    Path f = dir.resolve("META-INF/services/io.serve4j.spi.ServingProvider");
    Files.createDirectories(f.getParent());
    Files.writeString(f, services + "\n");
    return new URLClassLoader(
        new URL[] {dir.toUri().toURL()}, CoreTemplateTest.class.getClassLoader());
  }
}
