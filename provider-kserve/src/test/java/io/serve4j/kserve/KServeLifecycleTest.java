package io.serve4j.kserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.serve4j.Accelerator;
import io.serve4j.ContainerSpec;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelLoadException;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.kserve.internal.InferenceServices;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the KServe provider writes into InferenceServices and how it reads them back, through the
 * real fabric8 client against {@link FakeKServe}. Field names follow KServe's v1beta1 API: the ONNX
 * example at
 * https://kserve.github.io/website/docs/model-serving/predictive-inference/frameworks/onnx ({@code
 * predictor.model.modelFormat.name: onnx}, {@code protocolVersion: v2}, {@code storageUri}, {@code
 * resources}), the canary rollout page
 * https://kserve.github.io/website/docs/model-serving/predictive-inference/rollout-strategies/canary
 * ({@code canaryTrafficPercent}, {@code status.components.predictor.traffic} with {@code
 * latestRevision}) and the autoscaling page ({@code minReplicas}, {@code maxReplicas}, {@code
 * scaleMetric}, {@code scaleTarget}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KServeLifecycleTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Model RELU = ContractModels.relu(URI.create("s3://models/triton-repo"));

  private FakeKServe kserve;
  private ServingClient client;

  @BeforeAll
  void start() {
    kserve = new FakeKServe(Duration.ofMillis(100), ContractModels::reluAnswer);
    client = Serve4j.client(kserve.options().gpuProductLabel("nvidia.com/gpu.product").build());
  }

  @AfterEach
  void reset() {
    kserve.failReason = null;
    kserve.failMessage = null;
    kserve.hang = false;
    kserve.statusUrl = null;
    kserve.createDelay = null;
  }

  @AfterAll
  void stop() {
    client.close();
    kserve.close();
  }

  private static String name() {
    return "isvc-" + NAMES.incrementAndGet();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String... path) {
    Object cur = o;
    for (String p : path) {
      cur = ((Map<String, Object>) cur).get(p);
    }
    return (Map<String, Object>) cur;
  }

  private Map<String, Object> predictor(String name) {
    return map(kserve.get(name).getAdditionalProperties(), "spec", "predictor");
  }

  private void awaitGone(String name) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (kserve.get(name) != null && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(kserve.get(name)).as("InferenceService %s left behind", name).isNull();
  }

  @Test
  void deploy_onnx_writesTritonPredictorAndBookkeeping() {
    String name = name();
    Endpoint e = client.deploy(EndpointSpec.of(name, RELU)).await();
    Map<String, Object> p = predictor(name);
    Map<String, Object> model = map(p, "model");
    assertThat(model)
        .containsEntry("modelFormat", Map.of("name", "onnx"))
        .containsEntry("protocolVersion", "v2")
        .containsEntry("runtime", "kserve-tritonserver")
        .containsEntry("storageUri", "s3://models/triton-repo");
    assertThat(map(model, "resources", "limits"))
        .containsEntry("cpu", "2")
        .containsEntry("memory", "4Gi");
    assertThat(p).containsEntry("minReplicas", 1).containsEntry("maxReplicas", 1);
    assertThat(p).doesNotContainKeys("canaryTrafficPercent", "containers", "nodeSelector");
    GenericKubernetesResource r = kserve.get(name);
    assertThat(r.getApiVersion()).isEqualTo("serving.kserve.io/v1beta1");
    assertThat(r.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "serve4j");
    assertThat(r.getMetadata().getAnnotations()).containsKey("serve4j.io/deployments");
    EndpointDescription d = e.describe();
    assertThat(d.url()).contains(URI.create(kserve.baseUrl()));
    assertThat(d.deployments().get(0).signature()).contains(ContractModels.RELU_SIGNATURE);
  }

  @Test
  void deploy_gpuAndAutoscaling_mapToResourcesNodeSelectorAndScaleFields() {
    String name = name();
    client
        .deploy(
            EndpointSpec.builder()
                .name(name)
                .deployment(
                    DeploymentSpec.builder()
                        .name("gpu")
                        .model(RELU)
                        .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 2))
                        .scaling(
                            Scaling.autoscale(1, 5, ScalingMetric.INVOCATIONS_PER_INSTANCE, 600))
                        .build())
                .build())
        .await();
    Map<String, Object> p = predictor(name);
    assertThat(map(p, "model", "resources", "limits")).containsEntry("nvidia.com/gpu", "2");
    assertThat(map(p, "model", "resources", "requests")).containsEntry("nvidia.com/gpu", "2");
    assertThat(map(p, "nodeSelector")).containsEntry("nvidia.com/gpu.product", "Tesla-T4");
    assertThat(p)
        .containsEntry("minReplicas", 1)
        .containsEntry("maxReplicas", 5)
        .containsEntry("scaleMetric", "rps")
        .containsEntry("scaleTarget", 10); // 600 per minute = 10 per second
  }

  @Test
  void deploy_cpuUtilisation_isScaleMetricCpu_gpuUtilisationIsRefusedBeforeAnyCall() {
    String name = name();
    client
        .deploy(
            EndpointSpec.builder()
                .name(name)
                .deployment(
                    DeploymentSpec.builder()
                        .name("cpu")
                        .model(RELU)
                        .scaling(Scaling.autoscale(2, 4, ScalingMetric.CPU_UTILIZATION, 70))
                        .build())
                .build())
        .await();
    assertThat(predictor(name))
        .containsEntry("scaleMetric", "cpu")
        .containsEntry("scaleTarget", 70);
    String refused = name();
    assertThatThrownBy(
            () ->
                client
                    .deploy(
                        EndpointSpec.builder()
                            .name(refused)
                            .deployment(
                                DeploymentSpec.builder()
                                    .name("gpu")
                                    .model(RELU)
                                    .scaling(
                                        Scaling.autoscale(1, 2, ScalingMetric.GPU_UTILIZATION, 50))
                                    .build())
                            .build())
                    .await())
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("GPU_UTILIZATION");
    assertThat(kserve.get(refused)).isNull();
  }

  @Test
  void deploy_customContainer_writesContainersZero() {
    String name = name();
    Model custom =
        Model.builder()
            .name("relu")
            .format(ModelFormat.ONNX)
            .image("registry.example/oip-server:1")
            .container(
                ContainerSpec.builder().port(9000).readinessRoute("/v2/health/ready").build())
            .environment("MODEL_NAME", "relu")
            .artifact(URI.create("gs://bucket/relu"))
            .signature(ContractModels.RELU_SIGNATURE)
            .build();
    Endpoint e = client.deploy(EndpointSpec.of(name, custom)).await();
    Map<String, Object> p = predictor(name);
    assertThat(p).doesNotContainKey("model");
    @SuppressWarnings("unchecked")
    Map<String, Object> c = ((List<Map<String, Object>>) p.get("containers")).get(0);
    assertThat(c)
        .containsEntry("image", "registry.example/oip-server:1")
        .containsEntry("ports", List.of(Map.of("containerPort", 9000, "protocol", "TCP")))
        .containsEntry(
            "env",
            List.of(
                Map.of("name", "MODEL_NAME", "value", "relu"),
                Map.of("name", "STORAGE_URI", "value", "gs://bucket/relu")))
        .containsEntry(
            "readinessProbe", Map.of("httpGet", Map.of("path", "/v2/health/ready", "port", 9000)));
    ServingProviderAssertions.assertRelu(e.predict(ContractModels.reluRequest(-1, 4)), -1, 4);
  }

  @Test
  void deploy_threeDeployments_isRefusedTypedBeforeAnyCall() {
    String name = name();
    EndpointSpec spec =
        EndpointSpec.builder()
            .name(name)
            .deployment(DeploymentSpec.of("a", RELU))
            .deployment(DeploymentSpec.of("b", RELU))
            .deployment(DeploymentSpec.of("c", RELU))
            .traffic(Map.of("a", 80, "b", 10, "c", 10))
            .build();
    assertThatThrownBy(() -> client.deploy(spec).await())
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("canaryTrafficPercent");
    assertThat(kserve.get(name)).isNull();
  }

  @Test
  void deploy_classpathArtifact_isInvalidInputBeforeAnyCall() {
    String name = name();
    assertThatThrownBy(
            () -> client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("s3://");
    assertThat(kserve.get(name)).isNull();
  }

  @Test
  void deploy_whenRolloutFails_isModelLoadWithKServesReason_andDeletesTheService()
      throws Exception {
    kserve.failReason = "ModelLoadFailed";
    kserve.failMessage = "failed to load model relu: no version directory";
    String name = name();
    assertThatThrownBy(() -> client.deploy(EndpointSpec.of(name, RELU)).await())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("ModelLoadFailed")
        .hasMessageContaining("no version directory");
    awaitGone(name);
  }

  @Test
  void deploy_whenControllerNeverReady_timesOutAtTheDeadline_andDeletesTheService()
      throws Exception {
    kserve.hang = true;
    String name = name();
    try (ServingClient hurried =
        Serve4j.builder()
            .options(kserve.options().build())
            .operationTimeout(Duration.ofMillis(500))
            .build()) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> hurried.deploy(EndpointSpec.of(name, RELU)).await())
          .isInstanceOf(TimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
    awaitGone(name);
  }

  @Test
  void deploy_whenTheCreateAnswerComesAfterTheDeadline_deletesWhatLanded() throws Exception {
    kserve.createDelay = Duration.ofMillis(1500); // stored at once, answered late
    String name = name();
    try (ServingClient hurried =
        Serve4j.builder()
            .options(kserve.options().build())
            .operationTimeout(Duration.ofMillis(400))
            .build()) {
      assertThatThrownBy(() -> hurried.deploy(EndpointSpec.of(name, RELU)).await())
          .isInstanceOf(TimeoutException.class);
      assertThat(kserve.get(name)).as("the create reached the API server").isNotNull();
    }
    awaitGone(name);
  }

  @Test
  void deploy_cancelledWhileTheCreateIsInFlight_deletesWhatLanded() throws Exception {
    kserve.createDelay = Duration.ofMillis(1000);
    String name = name();
    var op = client.deploy(EndpointSpec.of(name, RELU));
    Thread.sleep(300);
    assertThat(op.cancel()).isTrue();
    awaitGone(name);
  }

  @Test
  void deploy_whenNameExistsAndTheCreateIsRefused_neverDeletesTheExistingService() {
    String name = name();
    client.deploy(EndpointSpec.of(name, RELU)).await();
    kserve.failReason = "ModelLoadFailed"; // would make any rollout of ours fail
    assertThatThrownBy(() -> client.deploy(EndpointSpec.of(name, RELU)).await())
        .isInstanceOf(ServingException.class);
    assertThat(kserve.get(name)).isNotNull();
  }

  @Test
  @SuppressWarnings("unchecked")
  void update_mergesOntoTheObject_keepingFieldsTheUserSet() {
    String name = name();
    Endpoint e = client.deploy(EndpointSpec.of(name, RELU)).await();
    // someone (kubectl, a GitOps tool) adds fields serve4j does not own
    GenericKubernetesResource r = kserve.get(name);
    Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
    Map<String, Object> p = new LinkedHashMap<>((Map<String, Object>) spec.get("predictor"));
    p.put("serviceAccountName", "models-reader");
    p.put("tolerations", List.of(Map.of("key", "gpu", "operator", "Exists")));
    spec.put("predictor", p);
    spec.put("transformer", Map.of("containers", List.of(Map.of("image", "feast:1"))));
    r.getMetadata().getLabels().put("team", "fraud");
    r.getMetadata().getAnnotations().put("owner", "alice");
    kserve.client.genericKubernetesResources(InferenceServices.ISVC).resource(r).update();

    Model v2 =
        RELU.toBuilder().version("2").artifact(URI.create("s3://models/triton-repo-v2")).build();
    e.update(EndpointSpec.of(name, v2)).await();

    GenericKubernetesResource after = kserve.get(name);
    Map<String, Object> ap = predictor(name);
    assertThat(map(ap, "model")).containsEntry("storageUri", "s3://models/triton-repo-v2");
    assertThat(ap).containsEntry("serviceAccountName", "models-reader").containsKey("tolerations");
    assertThat(map(after.getAdditionalProperties(), "spec")).containsKey("transformer");
    assertThat(after.getMetadata().getLabels()).containsEntry("team", "fraud");
    assertThat(after.getMetadata().getAnnotations()).containsEntry("owner", "alice");
    assertThat(e.describe().deployments().get(0).modelVersion()).contains("2");
  }

  @Test
  void update_whenRolloutFails_putsTheSpecBack() throws Exception {
    String name = name();
    Endpoint e = client.deploy(EndpointSpec.of(name, RELU)).await();
    kserve.failReason = "ModelLoadFailed";
    kserve.failMessage = "bad model";
    Model broken = RELU.toBuilder().artifact(URI.create("s3://models/broken")).build();
    assertThatThrownBy(() -> e.update(EndpointSpec.of(name, broken)).await())
        .isInstanceOf(ModelLoadException.class);
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!"s3://models/triton-repo".equals(map(predictor(name), "model").get("storageUri"))
        && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(map(predictor(name), "model"))
        .containsEntry("storageUri", "s3://models/triton-repo");
  }

  @Test
  void canary_writesCanaryTrafficPercent_andReadsTheSplitFromStatus() {
    String name = name();
    Model v2 = RELU.toBuilder().version("2").artifact(URI.create("s3://models/v2")).build();
    Endpoint e =
        client
            .deploy(
                EndpointSpec.builder()
                    .name(name)
                    .deployment(DeploymentSpec.of("stable", RELU))
                    .deployment(DeploymentSpec.of("canary", v2))
                    .traffic(Map.of("stable", 80, "canary", 20))
                    .build())
            .await();
    assertThat(predictor(name)).containsEntry("canaryTrafficPercent", 20);
    assertThat(map(predictor(name), "model")).containsEntry("storageUri", "s3://models/v2");
    assertThat(e.describe().traffic()).isEqualTo(Map.of("stable", 80, "canary", 20));
    EndpointDescription promoted = e.shiftTraffic(Map.of("stable", 0, "canary", 100)).await();
    assertThat(promoted.traffic()).isEqualTo(Map.of("stable", 0, "canary", 100));
    assertThat(predictor(name)).containsEntry("canaryTrafficPercent", 100);
  }

  @Test
  void shiftTraffic_whenTheRolloutFails_putsTheSplitBack() throws Exception {
    String name = name();
    Model v2 = RELU.toBuilder().version("2").artifact(URI.create("s3://models/v2")).build();
    Endpoint e =
        client
            .deploy(
                EndpointSpec.builder()
                    .name(name)
                    .deployment(DeploymentSpec.of("stable", RELU))
                    .deployment(DeploymentSpec.of("canary", v2))
                    .traffic(Map.of("stable", 90, "canary", 10))
                    .build())
            .await();
    kserve.failReason = "RevisionFailed";
    kserve.failMessage = "canary revision crashed";
    assertThatThrownBy(() -> e.shiftTraffic(Map.of("stable", 50, "canary", 50)).await())
        .isInstanceOf(ModelLoadException.class);
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!Integer.valueOf(10).equals(predictor(name).get("canaryTrafficPercent"))
        && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(predictor(name)).containsEntry("canaryTrafficPercent", 10);
  }

  @Test
  void predict_sendsRequestIdToTheModelsInferRoute() {
    String name = name();
    Endpoint e = client.deploy(EndpointSpec.of(name, RELU)).await();
    ServingProviderAssertions.assertRelu(e.predict(ContractModels.reluRequest(2, -2)), 2, -2);
    assertThat(kserve.modelsAsked).contains("relu");
    assertThat(kserve.lastRequestId).isNotBlank();
  }

  @Test
  void predict_whenStatusUrlUnreachable_predictBaseUrlOverrides() {
    kserve.statusUrl = "http://127.0.0.1:9/"; // discard port: nothing listens
    String name = name();
    client.deploy(EndpointSpec.of(name, RELU)).await();
    try (ServingClient direct =
            Serve4j.builder()
                .options(kserve.options().build())
                .retryPolicy(io.serve4j.RetryPolicy.none())
                .build();
        ServingClient forwarded =
            Serve4j.client(kserve.options().predictBaseUrl(URI.create(kserve.baseUrl())).build())) {
      assertThatThrownBy(() -> direct.endpoint(name).predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOf(UnavailableException.class);
      ServingProviderAssertions.assertRelu(
          forwarded.endpoint(name).predict(ContractModels.reluRequest(1, -1)), 1, -1);
    }
  }

  @Test
  void list_showsServe4jsServices_orAllWithListAll() {
    String mine = name();
    client.deploy(EndpointSpec.of(mine, RELU)).await();
    GenericKubernetesResource foreign = new GenericKubernetesResource();
    foreign.setApiVersion("serving.kserve.io/v1beta1");
    foreign.setKind("InferenceService");
    foreign.setMetadata(new ObjectMetaBuilder().withName("sklearn-iris").build());
    foreign.setAdditionalProperty(
        "spec",
        Map.of(
            "predictor",
            Map.of(
                "model",
                Map.of(
                    "modelFormat",
                    Map.of("name", "sklearn"),
                    "storageUri",
                    "gs://kfserving-examples/models/sklearn/1.0/model"))));
    kserve
        .client
        .genericKubernetesResources(InferenceServices.ISVC)
        .inNamespace(FakeKServe.NAMESPACE)
        .resource(foreign)
        .create();
    try (ServingClient all = Serve4j.client(kserve.options().listAll(true).build())) {
      assertThat(client.listEndpoints())
          .extracting(EndpointDescription::name)
          .contains(mine)
          .doesNotContain("sklearn-iris");
      assertThat(all.listEndpoints())
          .extracting(EndpointDescription::name)
          .contains(mine, "sklearn-iris");
    } finally {
      kserve
          .client
          .genericKubernetesResources(InferenceServices.ISVC)
          .inNamespace(FakeKServe.NAMESPACE)
          .withName("sklearn-iris")
          .delete();
    }
  }

  @Test
  void deploy_whenNameExists_isConflictFromTheApiServer() {
    String name = name();
    client.deploy(EndpointSpec.of(name, RELU)).await();
    assertThatThrownBy(() -> client.deploy(EndpointSpec.of(name, RELU)).await())
        .isInstanceOfSatisfying(
            ServingException.class,
            x -> {
              assertThat(x.category()).isEqualTo(ErrorCategory.CONFLICT);
              assertThat(x.statusCode()).hasValue(409);
            });
    assertThat(kserve.get(name)).as("the existing service stays").isNotNull();
  }
}
