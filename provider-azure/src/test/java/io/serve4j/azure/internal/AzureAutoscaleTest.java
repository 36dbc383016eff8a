package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.Accelerator;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InvalidInputException;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureOptions;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Autoscaling of managed online deployments by Azure Monitor autoscale settings (issue 16, item 9),
 * on the stateful fake, which serves {@code Microsoft.Insights/autoscalesettings} at api-version
 * 2022-10-01 and refuses a setting whose target is not an existing deployment or whose rules name
 * no deployment metric: the metric asked for is the metric sent, the deployment itself is sent with
 * {@code scaleSettings: Default}, what Azure cannot do is refused before any call, and no setting
 * outlives its deployment (failed deploy, failed update, update, delete).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureAutoscaleTest {
  private static final String WS =
      "/subscriptions/"
          + FakeAzureMl.SUB
          + "/resourceGroups/"
          + FakeAzureMl.RG
          + "/providers/Microsoft.MachineLearningServices/workspaces/"
          + FakeAzureMl.WS;

  private FakeAzureMl fake;
  private TestSupport.StaticCredential credential;
  private com.azure.core.http.HttpClient http;

  @BeforeAll
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(100));
    credential = new TestSupport.StaticCredential();
    http = TestSupport.insecureHttpClient();
  }

  @AfterAll
  void stop() {
    fake.close();
  }

  private ServingClient client(UnaryOperator<AzureOptions.Builder> tweak) {
    return Serve4j.builder()
        .options(tweak.apply(TestSupport.options(fake.base(), credential, http)).build())
        .operationTimeout(Duration.ofSeconds(30))
        .build();
  }

  private static String name() {
    return "as-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static EndpointSpec spec(String name, Scaling scaling, Accelerator accelerator) {
    return EndpointSpec.builder()
        .name(name)
        .deployment(
            DeploymentSpec.builder()
                .name("blue")
                .model(ContractModels.reluOnClasspath())
                .accelerator(accelerator)
                .scaling(scaling)
                .build())
        .build();
  }

  private JsonNode setting(String endpoint) {
    return fake.autoscaleSettings.get("serve4j-" + endpoint + "-blue");
  }

  /** What the fake holds but the reusable assets a deploy may register (model versions, blobs). */
  private Set<String> workspace() {
    Set<String> all = new TreeSet<>(fake.resources());
    all.removeIf(r -> r.startsWith("model:") || r.startsWith("blob:"));
    return all;
  }

  private Set<String> settingsOf(String endpoint) {
    Set<String> names = new TreeSet<>();
    fake.autoscaleSettings.keySet().stream()
        .filter(k -> k.startsWith("serve4j-" + endpoint + "-"))
        .forEach(names::add);
    return names;
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "CPU_UTILIZATION, 65, CpuUtilizationPercentage, false, cpu",
    "GPU_UTILIZATION, 60, GpuUtilizationPercentage, false, gpu",
    "INVOCATIONS_PER_INSTANCE, 100, RequestsPerMinute, true, cpu"
  })
  void deploy_autoscaled_sendsAnAutoscaleSettingOnTheMetricAskedFor_andDefaultScaleSettings(
      ScalingMetric metric, double target, String azureMetric, boolean perInstance, String kind) {
    String name = name();
    Accelerator accelerator =
        kind.equals("gpu") ? Accelerator.gpu(DeviceType.NVIDIA_T4, 1) : Accelerator.defaultCpu();
    try (ServingClient client = client(b -> b)) {
      client.deploy(spec(name, Scaling.autoscale(2, 5, metric, target), accelerator)).await();

      ObjectNode deployment = fake.deployment(name, "blue").orElseThrow();
      assertThat(deployment.at("/properties/scaleSettings").toString())
          .isEqualTo("{\"scaleType\":\"Default\"}");
      assertThat(deployment.at("/sku/capacity").asInt()).isEqualTo(2);

      JsonNode setting = setting(name);
      assertThat(setting).as("the autoscale setting of %s", name).isNotNull();
      String deploymentId = WS + "/onlineEndpoints/" + name + "/deployments/blue";
      JsonNode p = setting.path("properties");
      assertThat(setting.path("location").asText()).isEqualTo("westeurope");
      assertThat(p.path("enabled").asBoolean()).isTrue();
      assertThat(p.path("targetResourceUri").asText()).isEqualTo(deploymentId);
      JsonNode profile = p.path("profiles").path(0);
      assertThat(p.path("profiles").size()).isEqualTo(1);
      assertThat(profile.path("capacity").toString())
          .isEqualTo("{\"minimum\":\"2\",\"maximum\":\"5\",\"default\":\"2\"}");
      JsonNode out = profile.path("rules").path(0);
      JsonNode in = profile.path("rules").path(1);
      assertThat(profile.path("rules").size()).isEqualTo(2);
      for (JsonNode rule : new JsonNode[] {out, in}) {
        JsonNode t = rule.path("metricTrigger");
        assertThat(t.path("metricName").asText()).isEqualTo(azureMetric);
        assertThat(t.path("metricNamespace").asText())
            .isEqualTo("Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments");
        assertThat(t.path("metricResourceUri").asText()).isEqualTo(deploymentId);
        assertThat(t.path("dividePerInstance").asBoolean()).isEqualTo(perInstance);
        assertThat(t.path("statistic").asText()).isEqualTo("Average");
        assertThat(rule.path("scaleAction").path("value").asText()).isEqualTo("1");
      }
      assertThat(out.at("/metricTrigger/operator").asText()).isEqualTo("GreaterThan");
      assertThat(out.at("/metricTrigger/threshold").asDouble()).isEqualTo(target);
      assertThat(out.at("/scaleAction/direction").asText()).isEqualTo("Increase");
      assertThat(in.at("/metricTrigger/operator").asText()).isEqualTo("LessThan");
      assertThat(in.at("/metricTrigger/threshold").asDouble()).isEqualTo(target / 2);
      assertThat(in.at("/scaleAction/direction").asText()).isEqualTo("Decrease");
      assertFieldsAreTheExamples(setting);
    }
  }

  /** Every field sent is one Azure Monitor's own example uses, or one its reference documents. */
  private static void assertFieldsAreTheExamples(JsonNode sent) {
    ObjectNode body = sent.deepCopy();
    body.remove(java.util.List.of("id", "name", "type"));
    Set<String> allowed = pathsOf(monitorExample());
    allowed.addAll(
        Set.of(
            "properties.name",
            "properties.targetResourceLocation",
            "properties.profiles.rules.metricTrigger.metricNamespace"));
    assertThat(allowed).containsAll(paths(body, ""));
  }

  private static JsonNode monitorExample() {
    String resource = "monitor/2022-10-01/createOrUpdateAutoscaleSetting.json";
    try (java.io.InputStream in =
        AzureAutoscaleTest.class.getClassLoader().getResourceAsStream(resource)) {
      return Examples.JSON.readTree(in);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Set<String> pathsOf(JsonNode example) {
    return paths(example.path("parameters").path("parameters"), "");
  }

  /** Field paths, array elements folded, tag keys as '*'. */
  private static Set<String> paths(JsonNode node, String prefix) {
    Set<String> out = new TreeSet<>();
    if (node.isArray()) {
      node.forEach(e -> out.addAll(paths(e, prefix)));
      return out;
    }
    if (!node.isObject()) {
      return out;
    }
    node.fields()
        .forEachRemaining(
            e -> {
              String key = prefix.equals("tags") ? "*" : e.getKey();
              String path = prefix.isEmpty() ? key : prefix + "." + key;
              out.add(path);
              if (!prefix.equals("tags")) {
                out.addAll(paths(e.getValue(), path));
              }
            });
    return out;
  }

  @Test
  void deploy_gpuUtilizationOnACpuSku_isRefusedBeforeAnyCall() {
    int before = fake.server.getAllServeEvents().size();
    try (ServingClient client = client(b -> b)) {
      EndpointSpec s =
          spec(
              name(),
              Scaling.autoscale(1, 3, ScalingMetric.GPU_UTILIZATION, 60),
              Accelerator.defaultCpu());
      assertThatThrownBy(() -> client.deploy(s).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("GpuUtilizationPercentage");
    }
    assertThat(fake.server.getAllServeEvents()).hasSize(before);
  }

  @Test
  void deploy_utilisationTargetOver100_isRefusedBeforeAnyCall() {
    int before = fake.server.getAllServeEvents().size();
    try (ServingClient client = client(b -> b)) {
      EndpointSpec s =
          spec(
              name(),
              Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 150),
              Accelerator.defaultCpu());
      assertThatThrownBy(() -> client.deploy(s).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("at most 100");
    }
    assertThat(fake.server.getAllServeEvents()).hasSize(before);
  }

  @Test
  void deploy_whenTheAutoscaleSettingIsRefused_failsTyped_andLeavesNothing() {
    String name = name();
    Set<String> was = workspace();
    fake.wireCalls.fail("PUT autoscaleSetting (create)", Fault.of(Fault.Kind.SERVER_ERROR));
    try (ServingClient client = client(b -> b.maxRetries(0))) {
      assertThatThrownBy(
              () ->
                  client
                      .deploy(
                          spec(
                              name,
                              Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 70),
                              Accelerator.defaultCpu()))
                      .await())
          .isInstanceOf(ServingException.class);
    } finally {
      fake.wireCalls.reset();
    }
    assertThat(fake.endpoints).doesNotContainKey(name);
    assertThat(settingsOf(name)).isEmpty();
    assertThat(workspace()).isEqualTo(was);
  }

  @Test
  void deploy_whenAStepAfterTheAutoscaleSettingFails_deletesTheSetting() {
    String name = name();
    Set<String> was = workspace();
    int from = fake.wireCalls.size();
    // The traffic PUT comes after the deployment and its autoscale setting.
    fake.wireCalls.fail("PUT onlineEndpoint (update)", Fault.of(Fault.Kind.SERVER_ERROR));
    try (ServingClient client = client(b -> b.maxRetries(0))) {
      assertThatThrownBy(
              () ->
                  client
                      .deploy(
                          spec(
                              name,
                              Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 70),
                              Accelerator.defaultCpu()))
                      .await())
          .isInstanceOf(ServingException.class);
    } finally {
      fake.wireCalls.reset();
    }
    assertThat(fake.wireCalls.since(from)).contains("PUT autoscaleSetting (create)");
    assertThat(settingsOf(name)).isEmpty();
    assertThat(fake.endpoints).doesNotContainKey(name);
    assertThat(workspace()).isEqualTo(was);
  }

  @Test
  void deploy_cancelledWhileTheAutoscaleSettingIsBeingPut_leavesNothing() throws Exception {
    String name = name();
    Set<String> was = workspace();
    int from = fake.wireCalls.size();
    io.serve4j.testkit.WireCalls.Pause pause =
        fake.wireCalls.pauseNext("PUT autoscaleSetting (create)");
    try (ServingClient client = client(b -> b)) {
      io.serve4j.Operation<?> op =
          client.deploy(
              spec(
                  name,
                  Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 70),
                  Accelerator.defaultCpu()));
      assertThat(pause.awaitReached(Duration.ofSeconds(20))).isTrue();
      op.cancel();
      pause.release();
      assertThatThrownBy(() -> op.await(Duration.ofSeconds(30)))
          .isInstanceOf(java.util.concurrent.CancellationException.class);
      // The setting the held PUT made once released is undone with the endpoint (by the client,
      // which stays open meanwhile).
      long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!workspace().equals(was) && System.nanoTime() < end) {
        Thread.sleep(50);
      }
    } finally {
      fake.wireCalls.reset();
      pause.release();
    }
    assertThat(settingsOf(name)).isEmpty();
    assertThat(workspace()).as("calls %s", fake.wireCalls.since(from)).isEqualTo(was);
  }

  @Test
  void update_thatFailsAfterChangingTheSetting_putsTheSettingBackAsItWas() {
    String name = name();
    try (ServingClient client = client(b -> b.maxRetries(0))) {
      Endpoint e =
          client
              .deploy(
                  spec(
                      name,
                      Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 70),
                      Accelerator.defaultCpu()))
              .await();
      String before = setting(name).toString();
      int from = fake.wireCalls.size();
      fake.wireCalls.fail("PUT onlineEndpoint (update)", Fault.of(Fault.Kind.SERVER_ERROR));
      try {
        assertThatThrownBy(
                () ->
                    e.update(
                            spec(
                                name,
                                Scaling.autoscale(2, 6, ScalingMetric.INVOCATIONS_PER_INSTANCE, 50),
                                Accelerator.defaultCpu()))
                        .await())
            .isInstanceOf(ServingException.class);
      } finally {
        fake.wireCalls.reset();
      }
      assertThat(fake.wireCalls.since(from)).contains("PUT autoscaleSetting (update)");
      JsonNode after = setting(name).deepCopy();
      assertThat(after.toString()).isEqualTo(before);
      e.delete().await();
    }
  }

  @Test
  void update_toAFixedCount_deletesTheSetting_andDelete_leavesNoSetting() {
    String name = name();
    try (ServingClient client = client(b -> b)) {
      Endpoint e =
          client
              .deploy(
                  spec(
                      name,
                      Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 70),
                      Accelerator.defaultCpu()))
              .await();
      assertThat(settingsOf(name)).containsExactly("serve4j-" + name + "-blue");
      e.update(spec(name, Scaling.fixed(2), Accelerator.defaultCpu())).await();
      assertThat(settingsOf(name)).isEmpty();
      assertThat(fake.deployment(name, "blue").orElseThrow().at("/sku/capacity").asInt())
          .isEqualTo(2);
      e.update(
              spec(
                  name,
                  Scaling.autoscale(1, 4, ScalingMetric.INVOCATIONS_PER_INSTANCE, 120),
                  Accelerator.defaultCpu()))
          .await();
      assertThat(settingsOf(name)).hasSize(1);
      e.delete().await();
    }
    assertThat(fake.endpoints).doesNotContainKey(name);
    assertThat(settingsOf(name)).as("autoscale settings left after delete").isEmpty();
  }

  @Test
  void update_droppingAnAutoscaledDeployment_deletesItsSetting() {
    String name = name();
    Scaling auto = Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 70);
    DeploymentSpec blue =
        DeploymentSpec.builder()
            .name("blue")
            .model(ContractModels.reluOnClasspath())
            .scaling(auto)
            .build();
    DeploymentSpec green = blue.toBuilder().name("green").build();
    try (ServingClient client = client(b -> b)) {
      Endpoint e =
          client
              .deploy(
                  EndpointSpec.builder()
                      .name(name)
                      .deployment(blue)
                      .deployment(green)
                      .traffic(Map.of("blue", 50, "green", 50))
                      .build())
              .await();
      assertThat(settingsOf(name))
          .containsExactly("serve4j-" + name + "-blue", "serve4j-" + name + "-green");
      e.update(
              EndpointSpec.builder()
                  .name(name)
                  .deployment(blue)
                  .traffic(Map.of("blue", 100))
                  .build())
          .await();
      assertThat(settingsOf(name)).containsExactly("serve4j-" + name + "-blue");
      e.delete().await();
    }
    assertThat(settingsOf(name)).isEmpty();
  }
}
