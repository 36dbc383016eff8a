package io.serve4j.azure.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.serve4j.InferenceResponse;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ThrottledException;
import io.serve4j.protocol.OipJson;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Throttling through azure-core's retry policy: a 429 with {@code Retry-After} is retried after the
 * delay; once retries are spent, serve4j's ThrottledException carries the delay, the status and the
 * request id. Stubs from the examples' shapes.
 */
class AzureThrottlingTest {
  private static final String WS =
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers"
          + "/Microsoft.MachineLearningServices/workspaces/my-aml-workspace";
  private static final String EP_PATH = WS + "/onlineEndpoints/testEndpointName";

  private WireMockServer wm;
  private SpecConformance conformance;
  private String base;

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().httpDisabled(true).dynamicHttpsPort());
    conformance = new SpecConformance().attach(wm);
    wm.start();
    base = "https://localhost:" + wm.httpsPort();
    ObjectNode endpoint = Examples.response("Workspace/OnlineEndpoint/get.json", 200);
    endpoint.put("name", "testEndpointName");
    ObjectNode p = (ObjectNode) endpoint.path("properties");
    p.put("provisioningState", "Succeeded");
    p.put("scoringUri", base + "/score");
    p.put("authMode", "Key");
    p.putObject("traffic").put("blue", 100);
    wm.stubFor(get(urlPathEqualTo(EP_PATH)).willReturn(json(endpoint.toString())));
    ObjectNode dep = Examples.response("OnlineDeployment/ManagedOnlineDeployment/get.json", 200);
    dep.put("name", "blue");
    ObjectNode dp = (ObjectNode) dep.path("properties");
    dp.put("provisioningState", "Succeeded");
    dp.putObject("properties").put("serve4j.tritonModel", "relu");
    ObjectNode list = Examples.JSON.createObjectNode();
    list.putArray("value").add(dep);
    wm.stubFor(get(urlPathEqualTo(EP_PATH + "/deployments")).willReturn(json(list.toString())));
    ObjectNode keys = Examples.response("Workspace/BatchEndpoint/listKeys.json", 200);
    keys.put("primaryKey", "pk-SECRET-1");
    wm.stubFor(post(urlPathEqualTo(EP_PATH + "/listKeys")).willReturn(json(keys.toString())));
  }

  @AfterEach
  void stop() {
    wm.stop();
    conformance.assertClean();
  }

  private ServingClient client(int maxRetries, RetryPolicy core) {
    return Serve4j.builder()
        .retryPolicy(core)
        .options(
            TestSupport.options(
                    URI.create(base),
                    new TestSupport.StaticCredential(),
                    TestSupport.insecureHttpClient())
                .maxRetries(maxRetries)
                .build())
        .build();
  }

  @Test
  void predict_when429WithRetryAfter_coreRetriesAfterTheDelayAndSucceeds() {
    byte[] answer =
        OipJson.writeResponse(ContractModels.reluAnswer(ContractModels.reluRequest(-1, 1)));
    wm.stubFor(
        post(urlPathEqualTo("/v2/models/relu/infer"))
            .inScenario("throttle")
            .whenScenarioStateIs(STARTED)
            .willSetStateTo("calm")
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "1")
                    .withBody("Too many requests")));
    wm.stubFor(
        post(urlPathEqualTo("/v2/models/relu/infer"))
            .inScenario("throttle")
            .whenScenarioStateIs("calm")
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withBody(answer)));
    try (ServingClient client = client(3, RetryPolicy.defaults())) {
      var endpoint = client.endpoint("testEndpointName");
      endpoint.describe();
      long start = System.nanoTime();
      InferenceResponse r = endpoint.predict(ContractModels.reluRequest(-1, 1));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.output("y").asFloats()).containsExactly(0f, 1f);
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }
    wm.verify(2, postRequestedFor(urlPathEqualTo("/v2/models/relu/infer")));
  }

  @Test
  void predict_whenThrottledBeyondRetries_throwsThrottledWithRetryAfterStatusAndRequestId() {
    wm.stubFor(
        post(urlPathEqualTo("/v2/models/relu/infer"))
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "2")
                    .withHeader("x-ms-request-id", "req-429")
                    .withBody("Too many pending requests")));
    try (ServingClient client = client(3, RetryPolicy.none())) {
      assertThatThrownBy(
              () -> client.endpoint("testEndpointName").predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOfSatisfying(
              ThrottledException.class,
              e -> {
                assertThat(e.retryable()).isTrue();
                assertThat(e.retryAfter()).contains(Duration.ofSeconds(2));
                assertThat(e.statusCode()).hasValue(429);
                assertThat(e.requestId()).contains("req-429");
                assertThat(e.getMessage()).doesNotContain("pk-SECRET");
              });
    }
    wm.verify(1, postRequestedFor(urlPathEqualTo("/v2/models/relu/infer")));
  }

  @Test
  void describe_whenArmThrottles_throwsThrottledWithTheArmErrorCode() {
    wm.stubFor(
        get(urlPathEqualTo(WS + "/onlineEndpoints/busy"))
            .withQueryParam("api-version", equalTo("2025-12-01"))
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "3")
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"ARM read limit\"}}")));
    try (ServingClient client = client(0, RetryPolicy.none())) {
      assertThatThrownBy(() -> client.endpoint("busy").describe())
          .isInstanceOfSatisfying(
              ThrottledException.class,
              e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(3)))
          .hasMessageContaining("TooManyRequests")
          .hasMessageContaining("ARM read limit");
    }
  }

  @Test
  void describe_whenArmThrottlesOnce_coreRetriesAfterTheDelay_azureCoreDoesNot() {
    wm.stubFor(
        get(urlPathEqualTo(WS + "/onlineEndpoints/busy"))
            .inScenario("arm")
            .whenScenarioStateIs(STARTED)
            .willSetStateTo("calm")
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "1")
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow\"}}")));
    ObjectNode endpoint = Examples.response("Workspace/OnlineEndpoint/get.json", 200);
    endpoint.put("name", "busy");
    ((ObjectNode) endpoint.path("properties")).put("provisioningState", "Succeeded");
    wm.stubFor(
        get(urlPathEqualTo(WS + "/onlineEndpoints/busy"))
            .inScenario("arm")
            .whenScenarioStateIs("calm")
            .willReturn(json(endpoint.toString())));
    wm.stubFor(
        get(urlPathEqualTo(WS + "/onlineEndpoints/busy/deployments"))
            .willReturn(json("{\"value\":[]}")));
    // Core retries describe (one retry layer): azure-core's retries are off for it, and core
    // waits out the Retry-After.
    try (ServingClient client = client(3, RetryPolicy.defaults())) {
      long start = System.nanoTime();
      assertThat(client.endpoint("busy").describe().name()).isEqualTo("busy");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }
    wm.verify(2, getRequestedFor(urlPathEqualTo(WS + "/onlineEndpoints/busy")));
  }

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(
      String body) {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody(body);
  }

  /** #14: one retry layer. Against a permanent 500 one describe was 12 wire requests (4 x 3). */
  @Test
  void describe_againstAPermanent500_isOneWireRequestPerCoreAttempt() {
    wm.stubFor(
        get(urlPathEqualTo(EP_PATH))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(500)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":{\"code\":\"InternalServerError\",\"message\":\"x\"}}")));
    RetryPolicy three =
        RetryPolicy.builder()
            .maxAttempts(3)
            .initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(20))
            .build();
    try (ServingClient client = client(3, three)) {
      assertThatThrownBy(() -> client.endpoint("testEndpointName").describe())
          .isInstanceOf(io.serve4j.UnavailableException.class);
    }
    wm.verify(3, getRequestedFor(urlPathEqualTo(EP_PATH)));
  }

  /** #13 item 8: a scoring error body that echoes credentials is redacted in the message. */
  @Test
  void predict_whenTheErrorBodyEchoesSecrets_theMessageIsRedacted() {
    String body =
        "{\"error\":\"boom\",\"key\":\"pk-SECRET-1\",\"headers\":{\"Authorization\":"
            + "\"Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlU0VDUkVU\"},"
            + "\"blob\":\"https://a.blob.core.windows.net/c/m?sv=2022-11-02&sig=SASSECRET%3D&se=2030\"}";
    wm.stubFor(
        post(urlPathEqualTo("/v2/models/relu/infer"))
            .willReturn(aResponse().withStatus(500).withBody(body)));
    try (ServingClient client = client(3, RetryPolicy.none())) {
      assertThatThrownBy(
              () -> client.endpoint("testEndpointName").predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOfSatisfying(
              io.serve4j.ServingException.class,
              e ->
                  assertThat(e.getMessage())
                      .contains("boom")
                      .contains("[REDACTED]")
                      .doesNotContain("pk-SECRET-1")
                      .doesNotContain("c2lnbmF0dXJlU0VDUkVU")
                      .doesNotContain("SASSECRET"));
    }
  }
}
