package io.serve4j.server;

import static io.serve4j.server.MemoryEndpoint.BODY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.serve4j.CallInfo;
import io.serve4j.Endpoint;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.ModelInferRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Graceful drain, client deadlines (REST header, gRPC deadline) and the listener hook. */
class DrainAndDeadlineTest {
  private final CountDownLatch entered = new CountDownLatch(1);
  private volatile long sleepMillis = 0;
  private final List<String> threads = new CopyOnWriteArrayList<>();
  private MemoryEndpoint served;
  private Endpoint endpoint;

  @BeforeEach
  void deploy() {
    served =
        MemoryEndpoint.deploy(
            "slow",
            request -> {
              if (request.input("x").orElseThrow().asFloats()[0] < 0) {
                throw ServingException.builder(ErrorCategory.MODEL_ERROR)
                    .message("negative")
                    .build();
              }
              threads.add(Thread.currentThread().getName());
              entered.countDown();
              MemoryEndpoint.sleep(sleepMillis);
            });
    endpoint = served.endpoint();
  }

  @AfterEach
  void close() {
    served.close();
  }

  @Test
  void close_letsTheRequestInFlightComplete_andRefusesNewConnections() throws Exception {
    sleepMillis = 800;
    OipServer server = OipServer.builder().endpoint("slow", endpoint).port(0).start();
    int port = server.port();
    CompletableFuture<Http.Response> inFlight =
        CompletableFuture.supplyAsync(
            () -> {
              try (Http c = new Http(port)) {
                return c.post("/v2/models/slow/infer", BODY);
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    Thread closer = new Thread(server::close);
    closer.start();
    Thread.sleep(100);
    assertThatThrownBy(() -> new Http(port).get("/v2/health/live"))
        .isInstanceOfAny(ConnectException.class, IOException.class);
    Http.Response r = inFlight.get(10, TimeUnit.SECONDS);
    closer.join(10_000);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).contains("42");
    assertThat(r.header("connection")).isEqualTo("close");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(server.inflight()).isZero();
  }

  @Test
  void close_onAKeepAliveConnection_refusesTheNextRequestWith503() throws Exception {
    sleepMillis = 800;
    OipServer server = OipServer.builder().endpoint("slow", endpoint).port(0).start();
    try (Http idle = new Http(server.port())) {
      assertThat(idle.get("/v2/health/live").status()).isEqualTo(200);
      CompletableFuture<Http.Response> inFlight =
          CompletableFuture.supplyAsync(
              () -> {
                try (Http c = new Http(server.port())) {
                  return c.post("/v2/models/slow/infer", BODY);
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      Thread closer = new Thread(server::close);
      closer.start();
      Thread.sleep(100);
      Http.Response refused = idle.post("/v2/models/slow/infer", BODY);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.text()).contains("shutting down");
      assertThat(inFlight.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      closer.join(10_000);
    }
  }

  @Test
  void restTimeoutHeader_isTheDeadline_504() throws Exception {
    sleepMillis = 4000;
    try (OipServer server =
            OipServer.builder()
                .endpoint("slow", endpoint)
                .port(0)
                .drainTimeout(Duration.ZERO)
                .start();
        Http c = new Http(server.port())) {
      long t0 = System.nanoTime();
      Http.Response r =
          c.send(
              "POST",
              "/v2/models/slow/infer",
              BODY.getBytes(StandardCharsets.UTF_8),
              Map.of("Request-Timeout", "200ms"));
      assertThat(r.status()).as(r.text()).isEqualTo(504);
      assertThat(r.text()).startsWith("{\"error\":");
      // well before the endpoint's answer (4 s), even on a loaded machine
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(3000));
    }
  }

  @Test
  void grpcDeadline_isTheDeadline_DEADLINE_EXCEEDED() throws Exception {
    sleepMillis = 2000;
    try (OipServer server =
        OipServer.builder()
            .endpoint("slow", endpoint)
            .port(0)
            .grpcPort(0)
            .drainTimeout(Duration.ZERO)
            .start()) {
      ManagedChannel ch = MemoryEndpoint.channel(server);
      try {
        ModelInferRequest req = MemoryEndpoint.grpcRequest("slow", 1);
        assertThatThrownBy(
                () ->
                    GRPCInferenceServiceGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                        .modelInfer(req))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      } finally {
        MemoryEndpoint.shutdown(ch);
      }
    }
  }

  @Test
  void listener_seesEveryInference() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    ServingListener l =
        new ServingListener() {
          @Override
          public void onStart(CallInfo call) {
            events.add(
                "start " + call.providerId() + " " + call.endpoint() + " " + call.operation());
          }

          @Override
          public void onSuccess(CallInfo call, Duration elapsed) {
            events.add("success " + call.endpoint());
          }

          @Override
          public void onError(CallInfo call, ServingException error, Duration elapsed) {
            events.add("error " + call.endpoint() + " " + error.category());
          }
        };
    try (OipServer server =
            OipServer.builder().endpoint("slow", endpoint).port(0).listener(l).start();
        Http c = new Http(server.port())) {
      assertThat(c.post("/v2/models/slow/infer", BODY).status()).isEqualTo(200);
      assertThat(
              c.send(
                      "POST",
                      "/v2/models/slow/infer",
                      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[-1]}]}"
                          .getBytes(StandardCharsets.UTF_8),
                      Map.of())
                  .status())
          .isEqualTo(500);
    }
    assertThat(events)
        .startsWith(
            "start oip-server slow PREDICT", "success slow", "start oip-server slow PREDICT");
    assertThat(events.get(3)).isEqualTo("error slow MODEL_ERROR");
  }

  @Test
  void inference_runsOnWorkers_orOnTheIoThreadWithWorkerThreadsZero() throws Exception {
    try (OipServer server = OipServer.builder().endpoint("slow", endpoint).port(0).start();
        Http c = new Http(server.port())) {
      assertThat(c.post("/v2/models/slow/infer", BODY).status()).isEqualTo(200);
    }
    try (OipServer server =
            OipServer.builder().endpoint("slow", endpoint).port(0).workerThreads(0).start();
        Http c = new Http(server.port())) {
      assertThat(c.post("/v2/models/slow/infer", BODY).status()).isEqualTo(200);
    }
    assertThat(threads).hasSize(2);
    assertThat(threads.get(0)).startsWith("serve4j-oip-worker-");
    assertThat(threads.get(1)).startsWith("serve4j-oip-io-");
  }
}
