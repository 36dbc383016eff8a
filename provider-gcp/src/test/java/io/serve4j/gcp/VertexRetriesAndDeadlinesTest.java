package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.HttpBody;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.aiplatform.v1.GetEndpointRequest;
import com.google.cloud.aiplatform.v1.ListEndpointsRequest;
import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.PredictionServiceClient;
import com.google.cloud.aiplatform.v1.PredictionServiceSettings;
import com.google.cloud.aiplatform.v1.RawPredictRequest;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.Wire;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What reaches the wire for the calls core retries: the caller's deadline (as the gRPC deadline of
 * describe / list; predictions end at it on the client and are cancelled), and exactly one attempt
 * per core attempt (gax retries none of them). Deadline bounds are loose on the low side so that a
 * loaded build machine does not fail them.
 */
class VertexRetriesAndDeadlinesTest {
  private FakeVertex vertex;
  private GcpOptions options;

  @BeforeEach
  void start() {
    vertex = new FakeVertex(Duration.ofMillis(20), 3, ContractModels::reluAnswer);
    options =
        GcpOptions.builder()
            .project("test-project")
            .location("us-central1")
            .credentialsProvider(NoCredentialsProvider.create())
            .transportChannelProvider(vertex.channelProvider())
            .storage(LocalStorageHelper.getOptions().getService())
            .stagingBucket("staging")
            .tritonImage(FakeVertex.TRITON_IMAGE)
            .pollInterval(Duration.ofMillis(10))
            .build();
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
    }
  }

  @AfterEach
  void stop() {
    vertex.close();
  }

  private ServingClient client(RetryPolicy retries) {
    return Serve4j.builder()
        .options(options)
        .retryPolicy(retries)
        .callTimeout(Duration.ofSeconds(7))
        .predictTimeout(Duration.ofSeconds(9))
        .build();
  }

  /**
   * A prediction carries no gRPC deadline, as the Vertex AI client's own default call carries none
   * (below): serve4j's deadline ends it on the client (core's deadline watchdog) with a TIMEOUT and
   * cancels the RPC, which the server sees as CANCELLED soon after the deadline. Before, the
   * deadline went on the wire, where the server (the in-process fake here, Vertex AI's frontend in
   * production) set up a deadline timer of its own for every call.
   */
  @Test
  void predict_sendsNoGrpcDeadline_endsAtTheRequestTimeout_andCancelsTheCall() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 2));
      assertThat(vertex.predictionService.lastDeadline("RawPredict")).isEmpty();

      vertex.injectFaults(Fault.slow(Duration.ofSeconds(5)));
      InferenceRequest r =
          ContractModels.reluRequest(1, 2).toBuilder().timeout(Duration.ofMillis(400)).build();
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.endpoint("relu").predict(r)).isInstanceOf(TimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(350), Duration.ofMillis(2500));
      assertThat(vertex.predictionService.lastDeadline("RawPredict")).isEmpty();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (vertex.predictionService.cancellations("RawPredict") == 0
          && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      assertThat(vertex.predictionService.cancellations("RawPredict"))
          .as("the server saw the call cancelled at its deadline")
          .isEqualTo(1);
    }
  }

  /** The two prediction calls: RawPredict (a Triton endpoint), Predict with instances (sklearn). */
  enum PredictionCall {
    RAW_PREDICT("relu", "RawPredict"),
    PREDICT("churn", "Predict");

    final String endpoint;
    final String method;

    PredictionCall(String endpoint, String method) {
      this.endpoint = endpoint;
      this.method = method;
    }
  }

  private void deployChurn() {
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("churn", FakeVertex.sklearnModel())).await();
    }
  }

  private static InferenceRequest row(Duration timeout) {
    InferenceRequest r =
        InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 2}, new float[] {1, -1}));
    return timeout == null ? r : r.toBuilder().timeout(timeout).build();
  }

  /** Waits up to 2 s for the server to see {@code n} cancelled calls of {@code method}. */
  private int cancellationsWithin2s(String method, int n) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (vertex.predictionService.cancellations(method) < n && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    return vertex.predictionService.cancellations(method);
  }

  /**
   * A call still in flight at its deadline, on either prediction call: core's deadline ends it (one
   * watch per call, core's: the provider sets none of its own when core makes the call) with a
   * TIMEOUT, and the RPC is cancelled, which the server sees. Fails if the provider's future's
   * cancellation does not reach the RPC (the server would never see CANCELLED).
   */
  @ParameterizedTest
  @EnumSource(PredictionCall.class)
  void deadlineMidCall_isATimeout_andCancelsTheRpc(PredictionCall call) {
    deployChurn();
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint(call.endpoint).predict(row(null)); // warm: the description is cached
      long before = vertex.predictionsReceived();
      vertex.injectFaults(Fault.slow(Duration.ofSeconds(5)));
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.endpoint(call.endpoint).predict(row(Duration.ofMillis(400))))
          .isInstanceOf(TimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(350), Duration.ofMillis(2500));
      assertThat(vertex.predictionsReceived() - before).as("the call reached the server").isOne();
      assertThat(cancellationsWithin2s(call.method, 1))
          .as("the server saw the %s cancelled at its deadline", call.method)
          .isEqualTo(1);
    }
  }

  /**
   * Cancelling a prediction in flight cancels its RPC, on either prediction call: the server sees
   * CANCELLED long before the answer was due. Before, the provider's future was a {@code
   * thenCompose} / {@code thenApply} stage whose cancellation stopped there, so the RPC ran on.
   */
  @ParameterizedTest
  @EnumSource(PredictionCall.class)
  void cancellingAPrediction_cancelsTheRpc(PredictionCall call) {
    deployChurn();
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint(call.endpoint).predict(row(null)); // warm: the description is cached
      long before = vertex.predictionsReceived();
      vertex.injectFaults(Fault.slow(Duration.ofSeconds(5)));
      CompletableFuture<InferenceResponse> f = c.endpoint(call.endpoint).predictAsync(row(null));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (vertex.predictionsReceived() == before && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      assertThat(vertex.predictionsReceived() - before).as("the call reached the server").isOne();
      assertThat(f.cancel(true)).isTrue();
      assertThat(cancellationsWithin2s(call.method, 1))
          .as("the server saw the %s cancelled by the caller", call.method)
          .isEqualTo(1);
      assertThat(f).isCancelled();
    }
  }

  /**
   * The provider called directly (no core, which would watch the deadline): the provider's own
   * watch ends the call at its deadline with a TIMEOUT and cancels the RPC.
   */
  @ParameterizedTest
  @EnumSource(PredictionCall.class)
  void withoutCore_theProviderEndsTheCallAtItsDeadline_andCancelsTheRpc(PredictionCall call)
      throws Exception {
    deployChurn();
    Wire wire = Wire.of(GcpProvider.ID, new GcpProvider().errorMapper());
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (ProviderSession session =
        new GcpProvider().open(options, new ProviderContext(scheduler))) {
      EndpointDescription known =
          session
              .lifecycle()
              .describeEndpoint(call.endpoint, CallContext.of(Deadline.none()))
              .join();
      vertex.injectFaults(Fault.slow(Duration.ofSeconds(5)));
      CallContext ctx = CallContext.of(Deadline.after(Duration.ofMillis(400)));
      assertThat(ctx.deadlineEndedByCore()).isFalse();
      long start = System.nanoTime();
      CompletableFuture<InferenceResponse> f =
          wire.call(
              "predict", () -> session.inference().predict(call.endpoint, known, row(null), ctx));
      assertThatThrownBy(() -> f.get(4, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.category()).isEqualTo(ErrorCategory.TIMEOUT));
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(350), Duration.ofMillis(2500));
      assertThat(cancellationsWithin2s(call.method, 1))
          .as("the server saw the %s cancelled at its deadline", call.method)
          .isEqualTo(1);
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * The baseline of the remote-path harness (BENCHMARKS.md): the Vertex AI client with its own
   * default settings ({@code PredictionServiceStubSettings}: {@code no_retry_params}, a {@code
   * RetrySettings} with no timeouts) sends Predict and RawPredict with no gRPC deadline at all, so
   * the raw call a user writes by hand carries none, and the deadline serve4j always sends is a
   * cost serve4j adds. If a new client version starts sending one, this fails and the harness's raw
   * side should follow the new default.
   */
  @Test
  void rawClient_withItsDefaultSettings_sendsPredictionsWithoutADeadline() throws Exception {
    String resource;
    try (ServingClient c = client(RetryPolicy.none())) {
      resource = c.endpoint("relu").describe().details().get("resourceName");
    }
    try (PredictionServiceClient raw =
        PredictionServiceClient.create(
            PredictionServiceSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create())
                .setTransportChannelProvider(vertex.channelProvider())
                .build())) {
      raw.rawPredict(
          RawPredictRequest.newBuilder()
              .setEndpoint(resource)
              .setHttpBody(
                  HttpBody.newBuilder()
                      .setContentType("application/json")
                      .setData(
                          ByteString.copyFromUtf8(
                              "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\","
                                  + "\"shape\":[1,2],\"data\":[1,-1]}]}")))
              .build());
      assertThat(vertex.predictionService.lastDeadline("RawPredict")).isEmpty();
      try {
        raw.predict(PredictRequest.newBuilder().setEndpoint(resource).build());
      } catch (RuntimeException answeredWithAnError) {
        // the fake may refuse an empty Predict; what arrived is what matters here
      }
      assertThat(vertex.predictionService.lastDeadline("Predict")).isEmpty();
    }
  }

  /**
   * No gRPC deadline timer per prediction on the client's channel (a timer task scheduled and
   * cancelled per call woke the timer thread on every call, BENCHMARKS.md, remote path), and none
   * on the server either (no deadline on the wire). The prediction channel's timers are counted
   * here.
   */
  @Test
  void predict_schedulesNoDeadlineTimerPerCall() {
    AtomicInteger deadlineTimers = new AtomicInteger();
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(1) {
          @Override
          public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            if (unit.toSeconds(delay) >= 1 && unit.toSeconds(delay) <= 9) {
              deadlineTimers.incrementAndGet(); // the predict timeout, 9 s
            }
            return super.schedule(command, delay, unit);
          }
        };
    try (ServingClient c =
        Serve4j.builder()
            .options(
                options.toBuilder().transportChannelProvider(vertex.channelProvider(timer)).build())
            .retryPolicy(RetryPolicy.none())
            .predictTimeout(Duration.ofSeconds(9))
            .build()) {
      for (int i = 0; i < 20; i++) {
        c.endpoint("relu").predict(ContractModels.reluRequest(1, 2));
      }
      assertThat(vertex.predictionService.lastDeadline("RawPredict")).isEmpty();
      assertThat(deadlineTimers.get()).as("deadline timers for 20 predictions").isLessThan(5);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void describeAndList_carryTheCallTimeoutAsTheirGrpcDeadline() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").describe();
      c.listEndpoints();
      assertThat(vertex.endpointService.lastDeadline("GetEndpoint"))
          .hasValueSatisfying(
              left ->
                  assertThat(left)
                      .isGreaterThan(Duration.ofSeconds(3))
                      .isLessThanOrEqualTo(Duration.ofSeconds(7)));
      assertThat(vertex.endpointService.lastDeadline("ListEndpoints"))
          .hasValueSatisfying(
              left ->
                  assertThat(left)
                      .isGreaterThan(Duration.ofSeconds(3))
                      .isLessThanOrEqualTo(Duration.ofSeconds(7)));
    }
  }

  @Test
  void unavailable_withRetriesOff_isOneAttemptOnTheWire() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      int predicts = vertex.predictionService.requests(RawPredictRequest.class).size();
      vertex.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE), Fault.of(Fault.Kind.UNAVAILABLE));
      assertThatThrownBy(() -> c.endpoint("relu").predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOf(UnavailableException.class);
      assertThat(vertex.predictionService.requests(RawPredictRequest.class)).hasSize(predicts + 1);
      vertex.injectFaults();

      int gets = vertex.endpointService.requests(GetEndpointRequest.class).size();
      vertex.endpointService.addException(Status.UNAVAILABLE.asRuntimeException());
      vertex.endpointService.addException(Status.UNAVAILABLE.asRuntimeException());
      assertThatThrownBy(() -> c.endpoint("relu").describe())
          .isInstanceOf(UnavailableException.class);
      assertThat(vertex.endpointService.requests(GetEndpointRequest.class)).hasSize(gets + 1);
      vertex.endpointService.reset();

      vertex.endpointService.addException(Status.UNAVAILABLE.asRuntimeException());
      vertex.endpointService.addException(Status.UNAVAILABLE.asRuntimeException());
      assertThatThrownBy(c::listEndpoints).isInstanceOf(UnavailableException.class);
      assertThat(vertex.endpointService.requests(ListEndpointsRequest.class)).hasSize(1);
    }
  }

  @Test
  void unavailable_withCoreRetries_isRetriedByCoreOnly() {
    RetryPolicy three =
        RetryPolicy.builder()
            .maxAttempts(3)
            .initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(20))
            .build();
    try (ServingClient c = client(three)) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      long before = vertex.predictionsReceived();
      vertex.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE), Fault.of(Fault.Kind.UNAVAILABLE));
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      assertThat(vertex.predictionsReceived() - before).isEqualTo(3);
    }
  }
}
