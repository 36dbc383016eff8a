package io.serve4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.memory.MemoryBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * The "done when": a Boot application with Actuator, Prometheus and serve4j-micrometer on
 * its class path shows serve4j's meters at {@code /actuator/prometheus} and the health of a local
 * ONNX Runtime endpoint and a fake-cloud endpoint at {@code /actuator/health}, over HTTP.
 */
@SpringBootTest(
    classes = BootApplicationTest.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "serve4j.clients.local.uri=local:",
      "serve4j.clients.local.endpoints.localRelu=relu",
      "serve4j.clients.cloud.uri=memory:",
      "serve4j.clients.cloud.endpoints.cloudRelu=relu",
      // Every probe checks again here, so that the tests do not depend on their order; the cache
      // is Serve4jHealthTest's.
      "serve4j.health.cache-ttl=0s",
      "management.endpoints.web.exposure.include=health,prometheus",
      "management.endpoint.health.show-details=always"
    })
class BootApplicationTest {
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(FakeCloud.class)
  static class App {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @LocalServerPort int port;

  @Autowired
  @Qualifier("local")
  ServingClient local;

  @Autowired
  @Qualifier("localRelu")
  Endpoint localRelu;

  @Autowired
  @Qualifier("cloudRelu")
  Endpoint cloudRelu;

  @Autowired MemoryBackend fakeCloud;

  private static boolean deployed;

  @BeforeAll
  static void reset() {
    deployed = false;
  }

  private void deployAndPredict() {
    if (!deployed) {
      local.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
      deployed = true;
    }
    assertThat(localRelu.predict(ContractModels.reluRequest(-1, 3)).output("y").asFloats())
        .containsExactly(0f, 3f);
    assertThat(cloudRelu.predict(ContractModels.reluRequest(2, -2)).output("y").asFloats())
        .containsExactly(2f, 0f);
  }

  @Test
  void prometheus_showsServe4jMeters_forBothClients() throws Exception {
    deployAndPredict();
    HttpResponse<String> r = get("/actuator/prometheus");
    assertThat(r.statusCode()).isEqualTo(200);
    String body = r.body();
    assertThat(body).contains("serve4j_call_seconds_count");
    assertThat(lines(body, "serve4j_call_seconds_count"))
        .anySatisfy(l -> assertThat(l).contains("provider=\"local\"").contains("endpoint=\"relu\""))
        .anySatisfy(
            l -> assertThat(l).contains("provider=\"memory\"").contains("endpoint=\"relu\""));
  }

  @Test
  void health_showsTheLocalAndTheFakeCloudEndpoint() throws Exception {
    deployAndPredict();
    HttpResponse<String> r = get("/actuator/health");
    String body = r.body();
    assertThat(r.statusCode()).as(body).isEqualTo(200);
    JsonNode serve4j = new ObjectMapper().readTree(body).path("components").path("serve4j");
    assertThat(serve4j.path("status").asText()).isEqualTo("UP");
    JsonNode local = serve4j.path("components").path("local").path("components").path("relu");
    assertThat(local.path("status").asText()).isEqualTo("UP");
    assertThat(local.path("details").path("provider").asText()).isEqualTo("local");
    assertThat(local.path("details").path("status").asText()).isEqualTo("IN_SERVICE");
    JsonNode cloud = serve4j.path("components").path("cloud").path("components").path("relu");
    assertThat(cloud.path("status").asText()).isEqualTo("UP");
    assertThat(cloud.path("details").path("provider").asText()).isEqualTo("memory");
    assertThat(cloud.path("details").path("status").asText()).isEqualTo("IN_SERVICE");
  }

  @Test
  void health_isDown_whenTheFakeCloudFails_withTheCategory() throws Exception {
    deployAndPredict();
    Fault unavailable = Fault.of(Fault.Kind.UNAVAILABLE);
    // three: the describe is retried as configured (3 attempts by default)
    fakeCloud.injectFaults(Fault.Call.DESCRIBE, unavailable, unavailable, unavailable);
    HttpResponse<String> down = get("/actuator/health/serve4j/cloud/relu");
    JsonNode relu = new ObjectMapper().readTree(down.body());
    assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
    assertThat(relu.path("status").asText()).isEqualTo("DOWN");
    assertThat(relu.path("details").path("category").asText()).isEqualTo("UNAVAILABLE");
    assertThat(relu.path("details").path("provider").asText()).isEqualTo("memory");
    // the faults are spent: the next probe is UP again
    assertThat(get("/actuator/health/serve4j/cloud/relu").statusCode()).isEqualTo(200);
  }

  private java.util.List<String> lines(String body, String prefix) {
    return body.lines().filter(l -> l.startsWith(prefix)).toList();
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
