package io.serve4j.server;

import static io.serve4j.server.MemoryEndpoint.BODY;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.serve4j.BatchingPolicy;
import io.serve4j.DeploymentDescription;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.resilience.ForwardingEndpoint;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.ModelInferRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The default configuration calls an endpoint that runs each request alone on the I/O thread while
 * its calls are shorter than {@code inlineThreshold}, and on the workers otherwise (one that
 * batches, slow, grown slow, a larger input, or threshold zero); a single slow call costs a fast
 * endpoint one call on a worker.
 */
class InlineInferenceTest {
  private static final String WORKER = "serve4j-oip-worker-";
  private static final String BIGGER =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";

  private final List<String> threads = new CopyOnWriteArrayList<>();
  private volatile long sleepMillis;
  private MemoryEndpoint served;
  private Endpoint endpoint;

  @BeforeEach
  void deploy() {
    served =
        MemoryEndpoint.deploy(
            "m",
            request -> {
              threads.add(Thread.currentThread().getName());
              if (sleepMillis > 0) {
                MemoryEndpoint.sleep(sleepMillis);
              }
            });
    endpoint = served.endpoint();
    endpoint.predict(
        io.serve4j.InferenceRequest.builder()
            .input(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {1}))
            .build()); // the client's first call describes the endpoint: not measured here
    threads.clear();
  }

  @AfterEach
  void close() {
    served.close();
  }

  private void rest(OipServer server, int calls) throws Exception {
    try (Http c = new Http(server.port())) {
      for (int i = 0; i < calls; i++) {
        assertThat(c.post("/v2/models/m/infer", BODY).status()).isEqualTo(200);
      }
    }
  }

  /** Calls until one ran on the I/O thread (a loaded machine may make a few look slow). */
  private void warmUntilInline(Http c) throws Exception {
    for (int i = 0; i < 20_000; i++) {
      assertThat(c.post("/v2/models/m/infer", BODY).status()).isEqualTo(200);
      if (threads.get(threads.size() - 1).startsWith("serve4j-oip-io-")) {
        threads.clear();
        return;
      }
    }
    throw new AssertionError("no call ran on the I/O thread in 20000: " + threads.subList(0, 5));
  }

  @Test
  void aFastEndpoint_isCalledOnTheIoThread_afterItsFirstCallsOnWorkers() throws Exception {
    try (OipServer server = OipServer.builder().endpoint("m", endpoint).port(0).start();
        Http c = new Http(server.port())) {
      assertThat(c.post("/v2/models/m/infer", BODY).status()).isEqualTo(200);
      assertThat(threads.get(0)).startsWith(WORKER); // nothing measured yet
      warmUntilInline(c); // a cold JVM computes slowly at first; fails if no call ever runs there
    }
  }

  @Test
  void aFastEndpoint_overGrpc_isCalledOnTheTransportThread() throws Exception {
    try (OipServer server =
        OipServer.builder().endpoint("m", endpoint).port(0).grpcPort(0).start()) {
      ManagedChannel ch = MemoryEndpoint.channel(server);
      try {
        ModelInferRequest req = MemoryEndpoint.grpcRequest("m", 1, 1);
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
        assertThat(stub.modelInfer(req).getOutputsCount()).isEqualTo(1);
        assertThat(threads.get(0)).startsWith(WORKER);
        // a cold JVM (or a loaded machine) computes slowly at first: calls go to workers until
        // shorter ones bring the estimate under the threshold
        for (int i = 0; i < 20_000 && threads.get(threads.size() - 1).startsWith(WORKER); i++) {
          stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(req);
        }
      } finally {
        MemoryEndpoint.shutdown(ch);
      }
    }
    assertThat(threads.get(threads.size() - 1)).startsWith("grpc-");
  }

  @Test
  void aSlowEndpoint_isAlwaysCalledOnWorkers() throws Exception {
    sleepMillis = 2;
    try (OipServer server = OipServer.builder().endpoint("m", endpoint).port(0).start()) {
      rest(server, 10);
    }
    assertThat(threads).hasSize(10).allMatch(t -> t.startsWith(WORKER));
  }

  @Test
  void anEndpointThatBecomesSlow_leavesTheIoThreadAfterOneSlowCall() throws Exception {
    try (OipServer server = OipServer.builder().endpoint("m", endpoint).port(0).start();
        Http c = new Http(server.port())) {
      warmUntilInline(c);
      sleepMillis = 20;
      for (int i = 0; i < 5; i++) {
        assertThat(c.post("/v2/models/m/infer", BODY).status()).isEqualTo(200);
      }
    }
    // the call that showed it (on the I/O thread, unless a hiccup of the machine sent it to a
    // worker already): the following ones on workers
    assertThat(threads).hasSize(5);
    assertThat(threads.subList(1, 5)).allMatch(t -> t.startsWith(WORKER));
  }

  /**
   * As a dynamically batched endpoint behaves under load: most calls return at once (queued), and
   * now and then one runs a whole batch on the calling thread. Those must never land on an I/O
   * thread; an average of recent calls fell under the threshold between them and did.
   */
  @Test
  void anEndpointWithOccasionalSlowCalls_neverRunsOneOnTheIoThread() throws Exception {
    List<String> slowThreads = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    try (MemoryEndpoint b =
        MemoryEndpoint.deploy(
            "b",
            request -> {
              if (n.getAndIncrement() % 40 == 1) {
                slowThreads.add(Thread.currentThread().getName());
                MemoryEndpoint.sleep(2);
              }
            })) {
      Declared batched = new Declared(b.endpoint());
      batched.batching = true; // describes itself as such an endpoint does
      batched.predict(
          io.serve4j.InferenceRequest.builder()
              .input(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {1}))
              .build()); // describes the endpoint (call 0); the server's first call is slow
      try (OipServer server = OipServer.builder().endpoint("b", batched).port(0).start();
          Http c = new Http(server.port())) {
        for (int i = 0; i < 400; i++) {
          assertThat(c.post("/v2/models/b/infer", BODY).status()).isEqualTo(200);
        }
      }
    }
    assertThat(slowThreads).hasSize(10).noneMatch(t -> t.startsWith("serve4j-oip-io-"));
  }

  /**
   * The local runtime's dynamic batching, which parks a caller until its batch is done: never on an
   * I/O thread, even while each call (one client, an instance free) returns in microseconds.
   */
  @Test
  void aDynamicallyBatchedLocalEndpoint_isNeverCalledOnAnIoThread() throws Exception {
    try (ServingClient local =
        Serve4j.client(io.serve4j.local.LocalOptions.builder().isolated(true).build())) {
      Endpoint e = MlpServer.deployBatched(local, Duration.ofMillis(1));
      assertThat(e.describe().deployments().get(0).batching()).isPresent(); // the runtime says so
      Declared recorded = new Declared(e); // describes as the runtime does; records the threads
      String mlp =
          "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
              + "\"data\":[1,2,3,4]}]}";
      try (OipServer server = OipServer.builder().endpoint("mlp", recorded).port(0).start();
          Http c = new Http(server.port())) {
        for (int i = 0; i < 2000; i++) {
          assertThat(c.post("/v2/models/mlp/infer", mlp).status()).isEqualTo(200);
        }
      }
      assertThat(recorded.threads).hasSize(2000).allMatch(t -> t.startsWith(WORKER));
    }
  }

  /** Over gRPC as well: a slow endpoint never holds a gRPC transport thread. */
  @Test
  void aSlowEndpoint_overGrpc_isNeverCalledOnATransportThread() throws Exception {
    sleepMillis = 2;
    try (OipServer server =
        OipServer.builder().endpoint("m", endpoint).port(0).grpcPort(0).start()) {
      ManagedChannel ch = MemoryEndpoint.channel(server);
      try {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
        for (int i = 0; i < 10; i++) {
          assertThat(stub.modelInfer(MemoryEndpoint.grpcRequest("m", 1, 1)).getOutputsCount())
              .isEqualTo(1);
        }
      } finally {
        MemoryEndpoint.shutdown(ch);
      }
    }
    assertThat(threads).hasSize(10).allMatch(t -> t.startsWith(WORKER));
  }

  /** Over gRPC as well: the dynamic batcher never parks a gRPC transport thread. */
  @Test
  void aDynamicallyBatchedLocalEndpoint_overGrpc_isNeverCalledOnATransportThread()
      throws Exception {
    try (ServingClient local =
        Serve4j.client(io.serve4j.local.LocalOptions.builder().isolated(true).build())) {
      Endpoint e = MlpServer.deployBatched(local, Duration.ofMillis(1));
      Declared recorded = new Declared(e);
      try (OipServer server =
          OipServer.builder().endpoint("mlp", recorded).port(0).grpcPort(0).start()) {
        ManagedChannel ch = MemoryEndpoint.channel(server);
        try {
          var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
          ModelInferRequest req = MemoryEndpoint.grpcRequest("mlp", 1, 4);
          for (int i = 0; i < 2000; i++) {
            assertThat(stub.modelInfer(req).getOutputsCount()).isEqualTo(1);
          }
        } finally {
          MemoryEndpoint.shutdown(ch);
        }
      }
      assertThat(recorded.threads).hasSize(2000).allMatch(t -> t.startsWith(WORKER));
    }
  }

  /**
   * A call answered on the transport thread within its deadline schedules no deadline timer (a
   * timer per request costs a wake-up of the timer thread and a cancel): the timer thread is never
   * started.
   */
  @Test
  void aCallAnsweredOnTheTransportThread_withinItsDeadline_startsNoTimer() throws Exception {
    awaitNoDeadlineThread();
    try (OipServer server =
        OipServer.builder().endpoint("m", endpoint).port(0).grpcPort(0).workerThreads(0).start()) {
      ManagedChannel ch = MemoryEndpoint.channel(server);
      try {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
        ModelInferRequest req = MemoryEndpoint.grpcRequest("m", 1, 1);
        for (int i = 0; i < 50; i++) {
          assertThat(stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(req).getOutputsCount())
              .isEqualTo(1);
        }
        assertThat(threads).hasSize(50).allMatch(t -> t.startsWith("grpc-"));
        assertThat(deadlineThreads()).isZero();
      } finally {
        MemoryEndpoint.shutdown(ch);
      }
    }
  }

  /**
   * An endpoint that returns before it answers (called on the I/O thread) is still timed out by the
   * server at the request's deadline.
   */
  @Test
  void anAsyncEndpointCalledOnTheIoThread_isTimedOutAtTheDeadline() throws Exception {
    Endpoint never =
        new ForwardingEndpoint(endpoint) {
          @Override
          public CompletableFuture<InferenceResponse> predictAsync(InferenceRequest request) {
            threads.add(Thread.currentThread().getName());
            return new CompletableFuture<>();
          }
        };
    try (OipServer server =
            OipServer.builder()
                .endpoint("m", never)
                .port(0)
                .workerThreads(0)
                .drainTimeout(Duration.ZERO)
                .start();
        Http c = new Http(server.port())) {
      long t0 = System.nanoTime();
      Http.Response r =
          c.send(
              "POST",
              "/v2/models/m/infer",
              BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8),
              java.util.Map.of("Request-Timeout", "200ms"));
      assertThat(r.status()).as(r.text()).isEqualTo(504);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
    assertThat(threads).hasSize(1).allMatch(t -> t.startsWith("serve4j-oip-io-"));
  }

  private static long deadlineThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals("serve4j-oip-deadlines"))
        .count();
  }

  /** Servers of earlier tests stop their timer threads on close; waits for them to end. */
  private static void awaitNoDeadlineThread() throws InterruptedException {
    for (int i = 0; i < 500 && deadlineThreads() > 0; i++) {
      Thread.sleep(10);
    }
    assertThat(deadlineThreads()).as("timer threads of earlier servers").isZero();
  }

  /** A pause of the JVM or machine during one call does not keep a fast endpoint off the I/O. */
  @Test
  void aFastEndpoint_afterOneSlowCall_isBackOnTheIoThreadAfterOneCallOnAWorker() throws Exception {
    try (OipServer server = OipServer.builder().endpoint("m", endpoint).port(0).start();
        Http c = new Http(server.port())) {
      warmUntilInline(c);
      sleepMillis = 5;
      assertThat(c.post("/v2/models/m/infer", BODY).status()).isEqualTo(200); // the slow one
      sleepMillis = 0;
      threads.clear();
      for (int i = 0; i < 100; i++) {
        assertThat(c.post("/v2/models/m/infer", BODY).status()).isEqualTo(200);
      }
    }
    assertThat(threads).hasSize(100);
    assertThat(threads.get(0)).startsWith(WORKER); // measured again there
    // each further pause of a loaded machine costs one more call on a worker (at load 20 on two
    // cores, about half of them); a rule that keeps the next calls on workers runs none there
    assertThat(threads.stream().filter(t -> t.startsWith("serve4j-oip-io-")).count())
        .isGreaterThanOrEqualTo(10);
  }

  /** One updated to batch is described again after the first call slower than expected. */
  @Test
  void anEndpointUpdatedToBatch_leavesTheIoThreadAfterTheFirstSlowCall() throws Exception {
    Declared declared = new Declared(endpoint);
    List<String> slowThreads = new CopyOnWriteArrayList<>();
    try (OipServer server = OipServer.builder().endpoint("m", declared).port(0).start();
        Http c = new Http(server.port())) {
      warmUntilInline(c);
      declared.batching = true;
      for (int i = 0; i < 200; i++) {
        boolean slow = i % 20 == 0;
        sleepMillis = slow ? 2 : 0;
        threads.clear();
        assertThat(c.post("/v2/models/m/infer", BODY).status()).isEqualTo(200);
        if (slow) {
          slowThreads.add(threads.get(0));
        }
      }
    }
    assertThat(slowThreads).hasSize(10);
    assertThat(slowThreads.subList(1, 10)).allMatch(t -> t.startsWith(WORKER));
  }

  @Test
  void aLargerInputThanAnyMeasured_goesToAWorker() throws Exception {
    try (OipServer server = OipServer.builder().endpoint("m", endpoint).port(0).start();
        Http c = new Http(server.port())) {
      warmUntilInline(c);
      assertThat(c.post("/v2/models/m/infer", BIGGER).status()).isEqualTo(200);
    }
    assertThat(threads).hasSize(1);
    assertThat(threads.get(0)).startsWith(WORKER);
  }

  @Test
  void inlineThresholdZero_keepsEveryCallOnWorkers() throws Exception {
    try (OipServer server =
        OipServer.builder()
            .endpoint("m", endpoint)
            .port(0)
            .inlineThreshold(Duration.ZERO)
            .start()) {
      rest(server, 300);
    }
    assertThat(threads).hasSize(300).allMatch(t -> t.startsWith(WORKER));
  }

  /**
   * Forwards to an endpoint, records the threads that call it, and describes every deployment as
   * batching while {@link #batching} is set.
   */
  static final class Declared extends ForwardingEndpoint {
    final List<String> threads = new CopyOnWriteArrayList<>();
    volatile boolean batching;

    Declared(Endpoint primary) {
      super(primary);
    }

    @Override
    public EndpointDescription describe() {
      EndpointDescription d = primary().describe();
      if (!batching) {
        return d;
      }
      List<DeploymentDescription> batched = new ArrayList<>();
      for (DeploymentDescription dep : d.deployments()) {
        batched.add(dep.toBuilder().batching(BatchingPolicy.of(16, Duration.ofMillis(1))).build());
      }
      return d.toBuilder().deployments(batched).build();
    }

    @Override
    public CompletableFuture<EndpointDescription> describeAsync() {
      return CompletableFuture.supplyAsync(this::describe);
    }

    @Override
    public CompletableFuture<InferenceResponse> predictAsync(InferenceRequest request) {
      threads.add(Thread.currentThread().getName());
      return primary().predictAsync(request);
    }
  }
}
