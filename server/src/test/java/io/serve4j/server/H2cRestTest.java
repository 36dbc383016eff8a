package io.serve4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.testkit.memory.MemoryOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 cleartext on the REST port: the JDK client's {@code Upgrade: h2c}, Netty's client with
 * prior knowledge, and HTTP/1.1 next to them; the same routes, body limit, deadline header and
 * drain as HTTP/1.1.
 */
class H2cRestTest {
  private static final String BODY =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[1]}]}";

  private final CountDownLatch entered = new CountDownLatch(1);
  private volatile long sleepMillis = 0;
  private ServingClient client;
  private Endpoint endpoint;
  private OipServer server;

  @BeforeEach
  void start() {
    client =
        Serve4j.client(
            MemoryOptions.builder()
                .predictor(
                    (deployment, request) -> {
                      entered.countDown();
                      try {
                        Thread.sleep(sleepMillis);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      float x = request.input("x").orElseThrow().asFloats()[0];
                      return InferenceResponse.builder()
                          .output(Tensor.ofFloats("y", new long[] {1}, new float[] {x * 42f}))
                          .build();
                    })
                .build());
    endpoint =
        client
            .deploy(
                EndpointSpec.of(
                    "slow", Model.builder().name("slow").artifact("file:/m.onnx").build()))
            .await();
    server = OipServer.builder().endpoint("slow", endpoint).port(0).maxRequestBytes(4096).start();
  }

  @AfterEach
  void stop() {
    server.close();
    client.close();
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.port() + path;
  }

  @Test
  void jdkClient_upgradesToH2c_thenInfersOverHttp2() throws Exception {
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    HttpResponse<String> ready =
        jdk.send(
            HttpRequest.newBuilder(URI.create(url("/v2/health/ready"))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ready.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"ready\":true");
    HttpResponse<String> infer =
        jdk.send(
            HttpRequest.newBuilder(URI.create(url("/v2/models/slow/infer")))
                .POST(HttpRequest.BodyPublishers.ofString(BODY.replace("[1]", "[2]")))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(infer.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(infer.statusCode()).isEqualTo(200);
    assertThat(infer.body()).contains("\"data\":[84.0]");
    assertThat(infer.headers().firstValue("connection")).isEmpty();
  }

  @Test
  void priorKnowledge_servesEveryRoute_onStreamsOfOneConnection() throws Exception {
    try (H2c h2 = new H2c(server.port())) {
      assertThat(h2.get("/v2/health/live").status()).isEqualTo(200);
      H2c.Response meta = h2.get("/v2/models/slow");
      assertThat(meta.status()).isEqualTo(200);
      assertThat(meta.text()).contains("\"name\":\"slow\"");
      H2c.Response infer = h2.post("/v2/models/slow/infer", BODY, Map.of());
      assertThat(infer.status()).isEqualTo(200);
      assertThat(infer.text()).contains("\"data\":[42.0]");
      H2c.Response missing = h2.get("/v2/models/nope");
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.text()).startsWith("{\"error\":");
      H2c.Response malformed = h2.post("/v2/models/slow/infer", "{not json", Map.of());
      assertThat(malformed.status()).isEqualTo(400);
      assertThat(h2.isOpen()).isTrue();
    }
  }

  @Test
  void http1_stillServed_next_toH2c() throws Exception {
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r =
        jdk.send(
            HttpRequest.newBuilder(URI.create(url("/v2/models/slow/infer")))
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.body()).contains("\"data\":[42.0]");
  }

  @Test
  void bodyOverTheLimit_is413_andTheConnectionServesTheNextStream() throws Exception {
    try (H2c h2 = new H2c(server.port())) {
      String big =
          BODY.replace("\"data\":[1]", "\"data\":[1],\"pad\":\"" + "x".repeat(8000) + "\"");
      H2c.Response r = h2.post("/v2/models/slow/infer", big, Map.of());
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.text()).contains("exceeds the server's limit of 4096 bytes");
      assertThat(h2.post("/v2/models/slow/infer", BODY, Map.of()).status()).isEqualTo(200);
    }
  }

  @Test
  void requestTimeoutHeader_isTheDeadline_overHttp2() throws Exception {
    sleepMillis = 3000;
    try (H2c h2 = new H2c(server.port())) {
      long t0 = System.nanoTime();
      H2c.Response r = h2.post("/v2/models/slow/infer", BODY, Map.of("Request-Timeout", "200ms"));
      assertThat(r.status()).isEqualTo(504);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2000));
    }
  }

  @Test
  void drain_finishesTheStreamInFlight_andRefusesNewStreamsWith503() throws Exception {
    sleepMillis = 800;
    try (H2c h2 = new H2c(server.port())) {
      assertThat(h2.get("/v2/health/live").status()).isEqualTo(200);
      CompletableFuture<H2c.Response> inFlight =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return h2.post("/v2/models/slow/infer", BODY, Map.of());
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      Thread closer = new Thread(server::close);
      closer.start();
      Thread.sleep(100);
      H2c.Response refused = h2.post("/v2/models/slow/infer", BODY, Map.of());
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.text()).contains("shutting down");
      H2c.Response done = inFlight.get(10, TimeUnit.SECONDS);
      assertThat(done.status()).isEqualTo(200);
      assertThat(done.text()).contains("\"data\":[42.0]");
      closer.join(10_000);
    }
  }
}
