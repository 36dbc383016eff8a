package io.serve4j.azure.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Accelerator;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.ContainerSpec;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Operation;
import io.serve4j.Payload;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.UnauthenticatedException;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.azure.AzureOptions;
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Azure-specific behaviour on the stateful fake through the real azure-core pipeline: deployment
 * failures with container logs, scoring authentication modes and secret handling, raw payloads,
 * autoscaling and update bodies, batch jobs with cancellation, refusals before any call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureProviderBehaviourTest {
  private FakeAzureMl fake;
  private TestSupport.StaticCredential credential;
  private com.azure.core.http.HttpClient http;

  @BeforeAll
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(150));
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
    return "t-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void deploy_whenTheDeploymentFails_throwsModelLoadWithTheContainerLogs_andDeletesTheEndpoint() {
    fake.failDeployments = true;
    String name = name();
    try (ServingClient client = client(b -> b)) {
      assertThatThrownBy(
              () -> client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await())
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.category()).isEqualTo(ErrorCategory.MODEL_LOAD))
          .hasMessageContaining("ResourceOperationFailure")
          .hasMessageContaining("Traceback: model.onnx failed to load");
      // A failed deploy leaves nothing behind: the endpoint it created is deleted again.
      assertThatThrownBy(() -> client.endpoint(name).describe())
          .isInstanceOf(io.serve4j.NotFoundException.class);
      assertThat(fake.endpoints).doesNotContainKey(name);
    } finally {
      fake.failDeployments = false;
    }
  }

  @Test
  void predict_keyMode_fetchesTheKeyOnce_andRefetchesAfterRotation_neverLeakingIt() {
    String name = name();
    try (ServingClient client = client(b -> b.scoringAuthMode(ScoringAuthMode.KEY))) {
      Endpoint e = client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
      for (int i = 0; i < 3; i++) {
        e.predict(ContractModels.reluRequest(i, -i));
      }
      fake.server.verify(
          1, postRequestedFor(urlPathMatching(".*/onlineEndpoints/" + name + "/listKeys")));

      fake.primaryKey = "pk-SECRET-rotated";
      try {
        assertThatThrownBy(() -> e.predict(ContractModels.reluRequest(1, 2)))
            .isInstanceOf(UnauthenticatedException.class)
            .satisfies(
                x -> {
                  assertThat(x.getMessage()).doesNotContain("SECRET");
                  assertThat(x.toString()).doesNotContain("SECRET");
                });
        InferenceResponse r = e.predict(ContractModels.reluRequest(1, 2));
        assertThat(r.output("y").asFloats()).containsExactly(1f, 2f);
        fake.server.verify(
            2, postRequestedFor(urlPathMatching(".*/onlineEndpoints/" + name + "/listKeys")));
      } finally {
        fake.primaryKey = FakeAzureMl.FIRST_KEY;
      }
      assertThat(client.toString()).doesNotContain("SECRET");
    }
  }

  @Test
  void predict_amlTokenMode_usesTheTokenAction() {
    String name = name();
    try (ServingClient client = client(b -> b.scoringAuthMode(ScoringAuthMode.AML_TOKEN))) {
      Endpoint e = client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
      e.predict(ContractModels.reluRequest(1, 1));
      e.predict(ContractModels.reluRequest(2, 2));
      fake.server.verify(1, postRequestedFor(urlPathMatching(".*/" + name + "/token")));
      fake.server.verify(0, postRequestedFor(urlPathMatching(".*/" + name + "/listKeys")));
      assertThat(fake.endpoints.get(name).resource.at("/properties/authMode").asText())
          .isEqualTo("AMLToken");
    }
  }

  @Test
  void predict_entraIdMode_asksTheCredentialForTheMlScope() {
    String name = name();
    int before = credential.mlRequests.get();
    try (ServingClient client = client(b -> b.scoringAuthMode(ScoringAuthMode.AAD_TOKEN))) {
      Endpoint e = client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
      assertThat(e.predict(ContractModels.reluRequest(-1, 3)).output("y").asFloats())
          .containsExactly(0f, 3f);
      assertThat(credential.mlRequests.get()).isGreaterThan(before);
      fake.server.verify(0, postRequestedFor(urlPathMatching(".*/" + name + "/(listKeys|token)")));
    }
  }

  @Test
  void predict_rawPayload_isPostedAsIsToTheScoringUri() {
    String name = name();
    try (ServingClient client = client(b -> b)) {
      Endpoint e = client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
      InferenceResponse r = e.predict(InferenceRequest.of(Payload.ofText("1,-2", "text/csv")));
      assertThat(r.payload()).hasValueSatisfying(p -> assertThat(p.asText()).isEqualTo("1,-2"));
      assertThat(r.payload().get().contentType()).startsWith("text/csv");
      assertThat(r.deployment()).contains("default");
    }
  }

  @Test
  void update_deletesDeploymentsNoLongerInTheSpec() {
    String name = name();
    Model relu = ContractModels.reluOnClasspath();
    try (ServingClient client = client(b -> b)) {
      EndpointSpec two =
          EndpointSpec.builder()
              .name(name)
              .deployment(DeploymentSpec.of("blue", relu))
              .deployment(DeploymentSpec.of("green", relu))
              .traffic(Map.of("blue", 50, "green", 50))
              .build();
      Endpoint e = client.deploy(two).await();
      EndpointDescription d =
          e.update(two.toBuilder().removeDeployment("green").traffic(Map.of("blue", 100)).build())
              .await();
      assertThat(d.deployments()).extracting(x -> x.name()).containsExactly("blue");
      assertThat(fake.endpoints.get(name).deployments).containsOnlyKeys("blue");
    }
  }

  @Test
  void deploy_acceleratorAzureDoesNotOffer_isRefusedBeforeAnyCall() {
    int before = fake.server.getAllServeEvents().size();
    try (ServingClient client = client(b -> b)) {
      EndpointSpec spec =
          EndpointSpec.builder()
              .name(name())
              .deployment(
                  DeploymentSpec.builder()
                      .name("l4")
                      .model(ContractModels.reluOnClasspath())
                      .accelerator(Accelerator.gpu(DeviceType.NVIDIA_L4, 1))
                      .build())
              .build();
      assertThatThrownBy(() -> client.deploy(spec).await())
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining("nvidia-l4");
    }
    assertThat(fake.server.getAllServeEvents()).hasSize(before);
  }

  @Test
  void deploy_nonOnnxModelWithoutEnvironment_isRefusedBeforeAnyCall() {
    int before = fake.server.getAllServeEvents().size();
    Model sklearn =
        Model.builder()
            .name("churn")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact("https://example.blob.core.windows.net/models/churn.pkl")
            .build();
    try (ServingClient client = client(b -> b)) {
      assertThatThrownBy(() -> client.deploy(EndpointSpec.of(name(), sklearn)).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("AzureOptions.environment");
    }
    assertThat(fake.server.getAllServeEvents()).hasSize(before);
  }

  @Test
  void deploy_customModelWithImage_registersAnEnvironmentAndReferencesTheUriWithoutUpload() {
    String name = name();
    long uploads = fake.uploads.get();
    Model sklearn =
        Model.builder()
            .name("churn")
            .version("3")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact("https://example.blob.core.windows.net/models/churn.pkl")
            .image("mcr.microsoft.com/azureml/sklearn-1.5:latest")
            .container(
                ContainerSpec.builder()
                    .port(5001)
                    .predictRoute("/score")
                    .healthRoute("/health")
                    .build())
            .environment("WORKERS", "2")
            .build();
    try (ServingClient client = client(b -> b)) {
      client.deploy(EndpointSpec.of(name, sklearn)).await();
    }
    assertThat(fake.uploads.get()).isEqualTo(uploads);
    assertThat(fake.models.get("churn:3").at("/properties/modelType").asText())
        .isEqualTo("custom_model");
    assertThat(fake.models.get("churn:3").at("/properties/modelUri").asText())
        .isEqualTo("https://example.blob.core.windows.net/models/churn.pkl");
    var dep = fake.deployment(name, "default").orElseThrow();
    String environmentId = dep.at("/properties/environmentId").asText();
    assertThat(environmentId)
        .containsPattern(
            "/workspaces/my-aml-workspace/environments/serve4j-churn/versions/3-[0-9a-f]{8}$");
    String version = environmentId.substring(environmentId.lastIndexOf('/') + 1);
    assertThat(fake.environments.get("serve4j-churn:" + version).at("/properties/image").asText())
        .isEqualTo("mcr.microsoft.com/azureml/sklearn-1.5:latest");
    assertThat(dep.at("/properties/environmentVariables/WORKERS").asText()).isEqualTo("2");
    assertThat(dep.at("/properties/properties/serve4j.tritonModel").isMissingNode()).isTrue();
  }

  @Test
  void deploy_registeredModelReference_isUsedAsItIsWithoutUploadOrRegistration() {
    String name = name();
    long uploads = fake.uploads.get();
    int models = fake.models.size();
    Model registered =
        Model.builder()
            .name("relu")
            .version("7")
            .format(ModelFormat.ONNX)
            .artifact("azureml:relu:7")
            .signature(ContractModels.RELU_SIGNATURE)
            .build();
    try (ServingClient client = client(b -> b)) {
      Endpoint e = client.deploy(EndpointSpec.of(name, registered)).await();
      assertThat(e.predict(ContractModels.reluRequest(-4, 4)).output("y").asFloats())
          .containsExactly(0f, 4f);
    }
    assertThat(fake.uploads.get()).isEqualTo(uploads);
    assertThat(fake.models).hasSize(models);
    var dep = fake.deployment(name, "default").orElseThrow();
    assertThat(dep.at("/properties/model").asText()).isEqualTo("azureml:relu:7");
    assertThat(dep.at("/properties/properties/serve4j.tritonModel").asText()).isEqualTo("relu");
  }

  @Test
  void batchJob_runsToCompletion_andIsDescribedByItsName() {
    try (ServingClient client = client(b -> b.environment(TestSupport.BATCH_ENV))) {
      BatchJobDescription d = client.submitBatchJob(batchSpec("nightly-scoring")).await();
      assertThat(d.status()).isEqualTo(BatchJobStatus.SUCCEEDED);
      assertThat(d.output())
          .isEqualTo(URI.create("azureml://datastores/workspaceblobstore/paths/out/"));
      assertThat(client.describeBatchJob("nightly-scoring").status())
          .isEqualTo(BatchJobStatus.SUCCEEDED);
      // The job's batch endpoint (and its deployment) is deleted once the job ended: no leak.
      assertThat(fake.batchEndpoints).doesNotContainKey("nightly-scoring");
    }
  }

  @Test
  void batchJob_cancel_cancelsTheRemoteJob() {
    fake.jobLatency = Duration.ofMinutes(5);
    fake.jobs.clear();
    try (ServingClient client = client(b -> b.environment(TestSupport.BATCH_ENV))) {
      Operation<BatchJobDescription> op = client.submitBatchJob(batchSpec("cancel-me"));
      waitUntil(Duration.ofSeconds(20), () -> !fake.jobs.isEmpty() && anyRunning());
      op.cancel();
      waitUntil(
          Duration.ofSeconds(10), () -> fake.jobs.values().stream().anyMatch(j -> j.cancelled));
      assertThat(op.isDone()).isTrue();
    } finally {
      fake.jobLatency = fake.latency;
    }
  }

  @Test
  void batchJob_withoutACluster_isRefusedBeforeAnyCall() {
    int before = fake.server.getAllServeEvents().size();
    try (ServingClient client =
        Serve4j.builder()
            .options(TestSupport.options(fake.base(), credential, http).batchCompute(null).build())
            .build()) {
      assertThatThrownBy(() -> client.submitBatchJob(batchSpec("no-cluster")).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("batchCompute");
    }
    assertThat(fake.server.getAllServeEvents()).hasSize(before);
  }

  private static void waitUntil(Duration atMost, java.util.function.BooleanSupplier condition) {
    long end = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within " + atMost).isLessThan(end);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private boolean anyRunning() {
    return fake.jobs.values().stream().anyMatch(j -> !j.cancelled);
  }

  private static BatchJobSpec batchSpec(String name) {
    return BatchJobSpec.builder()
        .name(name)
        .model(ContractModels.reluOnClasspath())
        .input(URI.create("azureml://datastores/workspaceblobstore/paths/in/"))
        .output(URI.create("azureml://datastores/workspaceblobstore/paths/out/"))
        .build();
  }
}
