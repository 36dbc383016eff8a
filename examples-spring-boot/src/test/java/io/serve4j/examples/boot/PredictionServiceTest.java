package io.serve4j.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The example service over HTTP: predictions, typed errors, health and meters. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PredictionServiceTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @LocalServerPort int port;

  @Test
  void predict_answersAsTheModelDoes() throws Exception {
    float[] a = {0.1f, -0.2f, 0.3f, 0.4f};
    float[] b = {1f, 2f, -3f, 0.5f};
    HttpResponse<String> r = post("{\"x\": [[0.1, -0.2, 0.3, 0.4], [1, 2, -3, 0.5]]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode y = JSON.readTree(r.body()).path("y");
    assertThat(y.size()).isEqualTo(2);

    // The same model, called directly on a client of its own: no HTTP, no JSON. (Local endpoints
    // live in this JVM, beside the service's "mlp".)
    float[] expected;
    try (ServingClient direct = Serve4j.client("local")) {
      Endpoint mlp =
          direct
              .deploy(
                  EndpointSpec.of(
                      "mlp-direct",
                      Model.builder().name("mlp").artifact("classpath:models/mlp.onnx").build()))
              .await();
      try {
        float[] x = new float[8];
        System.arraycopy(a, 0, x, 0, 4);
        System.arraycopy(b, 0, x, 4, 4);
        expected =
            mlp.predict(InferenceRequest.of(Tensor.ofFloats("x", new long[] {2, 4}, x)))
                .output("y")
                .asFloats();
      } finally {
        mlp.delete().await();
      }
    }
    assertThat(expected).hasSize(4);
    for (int row = 0; row < 2; row++) {
      for (int col = 0; col < 2; col++) {
        assertThat((float) y.get(row).get(col).asDouble())
            .isCloseTo(expected[row * 2 + col], org.assertj.core.data.Offset.offset(1e-6f));
      }
    }
  }

  @Test
  void predict_wrongNumberOfFeatures_is400_withTheCategory() throws Exception {
    HttpResponse<String> r = post("{\"x\": [[1, 2, 3]]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode problem = JSON.readTree(r.body());
    assertThat(problem.path("category").asText()).isEqualTo("INVALID_INPUT");
    assertThat(problem.path("retryable").asBoolean()).isFalse();
  }

  @Test
  void predict_raggedRows_is400() throws Exception {
    HttpResponse<String> r = post("{\"x\": [[1, 2, 3, 4], [1, 2]]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("category").asText()).isEqualTo("INVALID_INPUT");
  }

  @Test
  void health_showsTheLocalClient_up() throws Exception {
    HttpResponse<String> r = get("/actuator/health");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode local = JSON.readTree(r.body()).path("components").path("serve4j").path("components");
    assertThat(local.path("local").path("status").asText()).as(r.body()).isEqualTo("UP");
    assertThat(local.path("local").path("details").path("provider").asText()).isEqualTo("local");
    assertThat(local.path("local").path("details").path("endpoints").asInt()).isEqualTo(1);
  }

  @Test
  void prometheus_countsThePredictions() throws Exception {
    post("{\"x\": [[0, 0, 0, 0]]}");
    HttpResponse<String> r = get("/actuator/prometheus");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().lines().filter(l -> l.startsWith("serve4j_call_seconds_count")))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("endpoint=\"mlp\"")
                    .contains("provider=\"local\"")
                    .contains("outcome=\"success\""));
  }

  private HttpResponse<String> post(String json) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predict"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
