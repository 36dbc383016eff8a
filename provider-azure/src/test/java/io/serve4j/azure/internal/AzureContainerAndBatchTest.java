package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.ContainerSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.azure.AzureOptions;
import io.serve4j.testkit.ContractModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bring-your-own containers (issue 16, item 8: the image's routes and port reach Azure ML as the
 * environment's {@code inferenceConfig}) and batch deployments of non-MLflow models (item 7: sent
 * with a scoring script and an environment, or refused before any call), on the stateful fake.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureContainerAndBatchTest {
  private static final String IMAGE = "acme.azurecr.io/serving/ranker:3";

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
    return "c-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Model ranker(String version, ContainerSpec container) {
    Model.Builder b =
        Model.builder()
            .name("ranker")
            .version(version)
            .format(ModelFormat.CUSTOM_CONTAINER)
            .image(IMAGE)
            .environment("WORKERS", "4");
    return container == null ? b.build() : b.container(container).build();
  }

  private static ContainerSpec routes() {
    return ContainerSpec.builder()
        .port(8000)
        .predictRoute("/v1/predict")
        .healthRoute("/healthz")
        .readinessRoute("/ready")
        .build();
  }

  /** The bodies of the requests the fake received whose path contains {@code part}. */
  private List<JsonNode> bodies(String method, String part) {
    return fake.server.getAllServeEvents().stream()
        .map(ServeEvent::getRequest)
        .filter(r -> r.getMethod().getName().equals(method) && r.getUrl().contains(part))
        .map(
            r -> {
              try {
                return Examples.JSON.readTree(r.getBody());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .toList();
  }

  // ---------------------------------------------------------------- item 8: BYO container

  @Test
  void deploy_ownImage_sendsTheContainerRoutesAsTheEnvironmentsInferenceConfig() {
    String name = name();
    try (ServingClient client = client(b -> b)) {
      client.deploy(EndpointSpec.of(name, ranker("3", routes()))).await();
    }
    JsonNode dep = fake.deployment(name, "default").orElseThrow();
    String environmentId = dep.at("/properties/environmentId").asText();
    assertThat(environmentId)
        .containsPattern(
            "^/subscriptions/.*/workspaces/my-aml-workspace/environments/serve4j-ranker/versions/3-[0-9a-f]{8}$");
    assertThat(dep.at("/properties/environmentVariables").toString())
        .isEqualTo("{\"WORKERS\":\"4\"}");
    String version = environmentId.substring(environmentId.lastIndexOf('/') + 1);
    assertThat(fake.environments.get("serve4j-ranker:" + version).toString())
        .isEqualTo(
            "{\"properties\":{\"image\":\""
                + IMAGE
                + "\",\"osType\":\"Linux\",\"description\":\"image of serve4j model ranker\","
                + "\"inferenceConfig\":{"
                + "\"livenessRoute\":{\"path\":\"/healthz\",\"port\":8000},"
                + "\"readinessRoute\":{\"path\":\"/ready\",\"port\":8000},"
                + "\"scoringRoute\":{\"path\":\"/v1/predict\",\"port\":8000}}}}");
  }

  @Test
  void deploy_ownImageWithoutReadinessRoute_usesTheHealthRouteForReadiness() {
    String name = name();
    ContainerSpec c =
        ContainerSpec.builder().port(9000).predictRoute("/predict").healthRoute("/health").build();
    try (ServingClient client = client(b -> b)) {
      client.deploy(EndpointSpec.of(name, ranker("4", c))).await();
    }
    String id =
        fake.deployment(name, "default").orElseThrow().at("/properties/environmentId").asText();
    JsonNode env = fake.environments.get("serve4j-ranker:" + id.substring(id.lastIndexOf('/') + 1));
    assertThat(env.at("/properties/inferenceConfig/readinessRoute").toString())
        .isEqualTo("{\"path\":\"/health\",\"port\":9000}");
  }

  @Test
  void deploy_otherRoutesForTheSameModelVersion_makeANewEnvironmentVersion() {
    ContainerSpec other =
        ContainerSpec.builder().port(8080).predictRoute("/score").healthRoute("/live").build();
    String a = name();
    String b = name();
    try (ServingClient client = client(x -> x)) {
      client.deploy(EndpointSpec.of(a, ranker("5", routes()))).await();
      client.deploy(EndpointSpec.of(b, ranker("5", other))).await();
    }
    String first =
        fake.deployment(a, "default").orElseThrow().at("/properties/environmentId").asText();
    String second =
        fake.deployment(b, "default").orElseThrow().at("/properties/environmentId").asText();
    // image and inferenceConfig are create-only: another container is another version
    assertThat(second).isNotEqualTo(first);
    assertThat(
            fake.environments
                .get("serve4j-ranker:" + first.substring(first.lastIndexOf('/') + 1))
                .at("/properties/inferenceConfig/scoringRoute/port")
                .asInt())
        .isEqualTo(8000);
  }

  private void assertRefusedBeforeAnyCall(Model model, String... fragments) {
    int before = fake.server.getAllServeEvents().size();
    try (ServingClient client = client(b -> b)) {
      var thrown =
          assertThatThrownBy(() -> client.deploy(EndpointSpec.of(name(), model)).await())
              .isInstanceOf(InvalidInputException.class);
      for (String f : fragments) {
        thrown.hasMessageContaining(f);
      }
    }
    assertThat(fake.server.getAllServeEvents()).hasSize(before);
  }

  @Test
  void deploy_ownImageWithoutContainerSpec_isRefusedBeforeAnyCall_namingIt() {
    assertRefusedBeforeAnyCall(ranker("6", null), "ContainerSpec", "port", "predictRoute");
  }

  @Test
  void deploy_ownImageWithoutAHealthRoute_isRefusedBeforeAnyCall() {
    assertRefusedBeforeAnyCall(
        ranker("6", ContainerSpec.builder().port(8000).predictRoute("/predict").build()),
        "healthRoute");
  }

  @Test
  void deploy_containerCommandOrArgs_areRefusedBeforeAnyCall() {
    assertRefusedBeforeAnyCall(
        ranker(
            "6",
            ContainerSpec.builder()
                .port(8000)
                .predictRoute("/predict")
                .healthRoute("/health")
                .command(List.of("python", "serve.py"))
                .build()),
        "command");
  }

  @Test
  void deploy_aRouteOfOnlySlash_isRefusedBeforeAnyCall_asTheSpecsRoutePathPatternSays() {
    assertRefusedBeforeAnyCall(
        ranker(
            "6",
            ContainerSpec.builder().port(8000).predictRoute("/predict").healthRoute("/").build()),
        "Route.path");
  }

  @Test
  void deploy_containerSpecWithoutAnImage_isRefusedBeforeAnyCall() {
    Model onnx =
        ContractModels.reluOnClasspath().toBuilder()
            .container(ContainerSpec.builder().port(8000).build())
            .build();
    assertRefusedBeforeAnyCall(onnx, "ContainerSpec", "image");
  }

  // ---------------------------------------------------------------- item 7: batch scoring script

  private static BatchJobSpec job(String name) {
    return BatchJobSpec.builder()
        .name(name)
        .model(ContractModels.reluOnClasspath())
        .input(URI.create("azureml://datastores/workspaceblobstore/paths/in/"))
        .output(URI.create("azureml://datastores/workspaceblobstore/paths/out/"))
        .build();
  }

  @Test
  void batchJob_ofAnOnnxModel_sendsTheScoringScriptAndEnvironment() {
    String name = name();
    try (ServingClient client = client(b -> b.environment(TestSupport.BATCH_ENV))) {
      assertThat(client.submitBatchJob(job(name)).await().status())
          .isEqualTo(BatchJobStatus.SUCCEEDED);
    }
    List<JsonNode> puts = bodies("PUT", "/batchEndpoints/" + name + "/deployments/serve4j");
    assertThat(puts).hasSize(1);
    JsonNode p = puts.get(0).path("properties");
    assertThat(p.path("codeConfiguration").toString())
        .isEqualTo(
            "{\"codeId\":\""
                + TestSupport.BATCH_CODE
                + "\",\"scoringScript\":\""
                + TestSupport.BATCH_SCRIPT
                + "\"}");
    assertThat(p.path("environmentId").asText()).isEqualTo(TestSupport.BATCH_ENV);
  }

  @Test
  void batchJob_withoutAScoringScript_isRefusedBeforeAnyCall() {
    assertBatchRefused(
        b -> b.environment(TestSupport.BATCH_ENV).batchCode(null, null), "AzureOptions.batchCode");
  }

  @Test
  void batchJob_withoutAnEnvironment_isRefusedBeforeAnyCall() {
    assertBatchRefused(b -> b, "AzureOptions.environment");
  }

  private void assertBatchRefused(UnaryOperator<AzureOptions.Builder> tweak, String fragment) {
    int before = fake.server.getAllServeEvents().size();
    try (ServingClient client = client(tweak)) {
      assertThatThrownBy(() -> client.submitBatchJob(job(name())).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining(fragment)
          .hasMessageContaining("MLflow");
    }
    assertThat(fake.server.getAllServeEvents()).hasSize(before);
  }

  @Test
  void batchCode_isKeptByToBuilder() {
    AzureOptions o = TestSupport.options(fake.base(), credential, http).build().toBuilder().build();
    assertThat(o.batchCodeId()).contains(TestSupport.BATCH_CODE);
    assertThat(o.batchScoringScript()).contains(TestSupport.BATCH_SCRIPT);
  }

  @Test
  void batchCode_needsBothTheCodeAssetAndTheScript() {
    assertThatThrownBy(
            () ->
                TestSupport.options(fake.base(), credential, http)
                    .batchCode("azureml:code:1", null)
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("batchCode");
  }
}
