package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.serve4j.Accelerator;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.ModelLoadException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 16, items 2 and 3: an update never alters or removes an entry of a deployment's {@code
 * properties} dictionary (serve4j's changing bookkeeping is in tags), and a change of a field Azure
 * ML takes only on create ({@code instanceType}, through another accelerator) is made blue/green:
 * the old deployment goes only after its replacement is healthy, and keeps its traffic if the
 * replacement fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureDeploymentUpdateTest {
  private static final String CPU_SKU = "Standard_DS2_v2";
  private static final String GPU_SKU = "Standard_NC4as_T4_v3";

  private FakeAzureMl fake;
  private ServingClient client;

  @BeforeAll
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(50));
    client =
        Serve4j.builder()
            .options(
                TestSupport.options(
                        fake.base(),
                        new TestSupport.StaticCredential(),
                        TestSupport.insecureHttpClient())
                    .build())
            .operationTimeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterEach
  void reset() {
    fake.failDeployments = false;
  }

  @AfterAll
  void stop() {
    client.close();
    fake.close();
  }

  private static String name() {
    return "u-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static EndpointSpec spec(String name, Model model, Accelerator accelerator) {
    return EndpointSpec.builder()
        .name(name)
        .deployment(
            DeploymentSpec.builder().name("blue").model(model).accelerator(accelerator).build())
        .build();
  }

  private JsonNode blue(String endpoint) {
    return fake.deployment(endpoint, "blue").orElseThrow();
  }

  private List<ServeEvent> events(String endpoint) {
    return fake.server.getAllServeEvents().stream()
        .filter(e -> e.getRequest().getUrl().contains("/onlineEndpoints/" + endpoint))
        .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate()))
        .toList();
  }

  private List<ServeEvent> since(String endpoint, int before) {
    List<ServeEvent> all = events(endpoint);
    return all.subList(before, all.size());
  }

  private static String call(ServeEvent e) {
    String url = e.getRequest().getUrl();
    String path = url.substring(url.indexOf("/onlineEndpoints/"), url.indexOf('?'));
    return e.getRequest().getMethod().getName()
        + " "
        + path.replaceFirst("/onlineEndpoints/[^/]+", "");
  }

  @Test
  void update_toANewModelVersion_keepsEveryPropertiesEntry_andKeepsItsBookkeepingInTags() {
    String name = name();
    Model v1 = ContractModels.reluOnClasspath();
    Endpoint e = client.deploy(spec(name, v1, Accelerator.defaultCpu())).await();
    JsonNode before = blue(name).at("/properties/properties").deepCopy();
    assertThat(before.size()).as("the v1 signature is recorded").isPositive();

    Model v2 = v1.toBuilder().version("2").build();
    EndpointDescription d = e.update(spec(name, v2, Accelerator.defaultCpu())).await();

    JsonNode after = blue(name).at("/properties/properties");
    before
        .fields()
        .forEachRemaining(
            entry ->
                assertThat(after.get(entry.getKey()))
                    .as("properties entry " + entry.getKey() + " (add-only)")
                    .isEqualTo(entry.getValue()));
    assertThat(blue(name).at("/tags/serve4j.modelVersion").asText()).isEqualTo("2");
    assertThat(d.deployment("blue").orElseThrow().modelVersion()).contains("2");
    assertThat(d.deployment("blue").orElseThrow().signature()).isPresent();
    assertThat(blue(name).at("/properties/instanceType").asText()).isEqualTo(CPU_SKU);
    assertThat(events(name).stream().map(AzureDeploymentUpdateTest::call))
        .as("an in-place update: nothing deleted")
        .noneMatch(c -> c.startsWith("DELETE"));
  }

  @Test
  void update_toAnotherAccelerator_replacesTheDeploymentBlueGreen_underItsName() {
    String name = name();
    Endpoint e =
        client
            .deploy(spec(name, ContractModels.reluOnClasspath(), Accelerator.defaultCpu()))
            .await();
    assertThat(blue(name).at("/properties/instanceType").asText()).isEqualTo(CPU_SKU);
    int before = events(name).size();

    EndpointDescription d =
        e.update(
                spec(
                    name,
                    ContractModels.reluOnClasspath(),
                    Accelerator.gpu(DeviceType.NVIDIA_T4, 1)))
            .await();

    assertThat(blue(name).at("/properties/instanceType").asText()).isEqualTo(GPU_SKU);
    assertThat(fake.endpoints.get(name).deployments.keySet()).containsExactly("blue");
    assertThat(fake.endpoints.get(name).resource.at("/properties/traffic").toString())
        .isEqualTo("{\"blue\":100}");
    assertThat(d.deployment("blue").orElseThrow().instanceType()).contains(GPU_SKU);
    List<String> calls =
        since(name, before).stream()
            .map(AzureDeploymentUpdateTest::call)
            .filter(c -> !c.startsWith("GET") && !c.startsWith("POST"))
            .toList();
    assertThat(calls)
        .as("stand-in up, traffic to it, old one deleted, re-created, traffic back, stand-in gone")
        .containsSubsequence(
            "PUT /deployments/blue-s4j",
            "PUT ",
            "DELETE /deployments/blue",
            "PUT /deployments/blue",
            "PUT ",
            "DELETE /deployments/blue-s4j");
    List<String> trafficPuts =
        since(name, before).stream()
            .filter(x -> call(x).equals("PUT "))
            .map(x -> traffic(x.getRequest().getBodyAsString()))
            .toList();
    assertThat(trafficPuts)
        .as("the stand-in takes blue's share, then blue takes it back")
        .startsWith("{\"blue-s4j\":100}", "{\"blue\":100}");
    assertThat(e.predict(ContractModels.reluRequest(-1, 2)).output("y").asFloats())
        .containsExactly(0f, 2f);
  }

  @Test
  void update_whoseReplacementFailsToLoad_leavesTheOldDeploymentWithItsTraffic() {
    String name = name();
    Endpoint e =
        client
            .deploy(spec(name, ContractModels.reluOnClasspath(), Accelerator.defaultCpu()))
            .await();
    JsonNode old = blue(name).deepCopy();
    int before = events(name).size();
    fake.failDeployments = true;

    assertThatThrownBy(
            () ->
                e.update(
                        spec(
                            name,
                            ContractModels.reluOnClasspath(),
                            Accelerator.gpu(DeviceType.NVIDIA_T4, 1)))
                    .await())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("blue-s4j");

    assertThat(fake.endpoints.get(name).deployments.keySet()).containsExactly("blue");
    assertThat(blue(name).at("/properties/instanceType").asText()).isEqualTo(CPU_SKU);
    assertThat(blue(name).path("tags")).isEqualTo(old.path("tags"));
    assertThat(fake.endpoints.get(name).resource.at("/properties/traffic").toString())
        .isEqualTo("{\"blue\":100}");
    assertThat(since(name, before).stream().map(AzureDeploymentUpdateTest::call))
        .as("the old deployment was never touched")
        .doesNotContain("DELETE /deployments/blue", "PUT /deployments/blue");
    fake.failDeployments = false;
    assertThat(e.predict(ContractModels.reluRequest(3, -4)).output("y").asFloats())
        .containsExactly(3f, 0f);
  }

  @Test
  void update_cancelledWhileTheReplacementIsMadeReady_leavesTheOldDeploymentWithItsTraffic()
      throws Exception {
    String name = name();
    Endpoint e =
        client
            .deploy(spec(name, ContractModels.reluOnClasspath(), Accelerator.defaultCpu()))
            .await();
    int before = events(name).size();
    io.serve4j.testkit.WireCalls.Pause pause =
        fake.wireCalls.pauseNext("PUT onlineDeployment (create)");
    io.serve4j.Operation<EndpointDescription> op;
    try {
      op =
          java.util.concurrent.CompletableFuture.supplyAsync(
                  () ->
                      e.update(
                          spec(
                              name,
                              ContractModels.reluOnClasspath(),
                              Accelerator.gpu(DeviceType.NVIDIA_T4, 1))))
              .get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(pause.awaitReached(Duration.ofSeconds(10))).isTrue();
      op.cancel();
    } finally {
      fake.wireCalls.reset();
      pause.release();
    }
    io.serve4j.Operation<EndpointDescription> cancelled = op;
    assertThatThrownBy(() -> cancelled.await(Duration.ofSeconds(20)))
        .isInstanceOf(java.util.concurrent.CancellationException.class);

    // The undo runs once the steps under way have stopped, after the caller saw the cancel.
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < until
        && !(fake.endpoints.get(name).deployments.size() == 1
            && since(name, before).stream()
                .map(AzureDeploymentUpdateTest::call)
                .anyMatch(c -> c.equals("DELETE /deployments/blue-s4j")))) {
      Thread.sleep(50);
    }
    assertThat(fake.endpoints.get(name).deployments.keySet()).containsExactly("blue");
    assertThat(blue(name).at("/properties/instanceType").asText()).isEqualTo(CPU_SKU);
    assertThat(fake.endpoints.get(name).resource.at("/properties/traffic").toString())
        .isEqualTo("{\"blue\":100}");
    assertThat(since(name, before).stream().map(AzureDeploymentUpdateTest::call))
        .contains("PUT /deployments/blue-s4j", "DELETE /deployments/blue-s4j")
        .doesNotContain("DELETE /deployments/blue", "PUT /deployments/blue");
  }

  @Test
  void standInName_avoidsTakenNames_andStaysShort() {
    assertThat(BlueGreen.standInName("blue", java.util.Set.of())).isEqualTo("blue-s4j");
    assertThat(BlueGreen.standInName("blue", java.util.Set.of("blue-s4j"))).isEqualTo("blue-s4j2");
    assertThat(BlueGreen.standInName("a".repeat(32), java.util.Set.of()).length()).isEqualTo(30);
  }

  private static String traffic(String body) {
    try {
      return Examples.JSON.readTree(body).at("/properties/traffic").toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
